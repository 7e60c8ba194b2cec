"""`vaxshare publish FILE`: post a JSON Lines, CSV or Avro file to the ingest API in batches.

Batches that meet a 503, 502, 504 or 429, a timeout or a refused connection are sent again
after a backoff (honouring Retry-After); resending is safe because event ids make it
idempotent. Exit status: 0 every event accepted, 3 some rejected, 1 the file could not be
published (bad key, bad file, server unreachable after the retries).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from services.ingest.publish_files import FORMATS, Batch, batches, count_events, file_format

RETRYABLE = frozenset({429, 502, 503, 504})
ANSWERED = frozenset({200, 207, 422})
MAX_BACKOFF_SECONDS = 60.0


class PublishFailed(Exception):
    """The file cannot be published; the message says why."""


@dataclass
class Summary:
    """What happened to the events of a file."""

    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    accepted_ids: Counter[str] = field(default_factory=Counter)

    @property
    def duplicates(self) -> int:
        """Accepted events whose event id had already been accepted in this run."""
        return sum(n - 1 for n in self.accepted_ids.values() if n > 1)

    def add(self, answer: dict[str, Any]) -> None:
        """Add one batch answer."""
        for result in answer["results"]:
            if result["status"] == "accepted":
                self.accepted += 1
                if result.get("event_id"):
                    self.accepted_ids[result["event_id"]] += 1
            else:
                self.rejected[result.get("reason") or "unknown"] += 1

    def lines(self) -> list[str]:
        """The summary as printed."""
        out = [f"accepted:   {self.accepted}", f"rejected:   {sum(self.rejected.values())}"]
        out += [f"  {reason}: {n}" for reason, n in sorted(self.rejected.items())]
        out.append(f"duplicates: {self.duplicates} (event ids accepted more than once)")
        return out


def backoff_seconds(attempt: int, retry_after: str | None) -> float:
    """Seconds to wait before retry `attempt` (0-based): Retry-After if given, else 2^n/2."""
    if retry_after is not None and retry_after.strip().isdigit():
        return min(float(retry_after), MAX_BACKOFF_SECONDS)
    return min(0.5 * 2**attempt, MAX_BACKOFF_SECONDS)


def post_batch(client: httpx.Client, url: str, batch: Batch, *, retries: int) -> dict[str, Any]:
    """Post one batch, retrying transient failures; the per-event answer or PublishFailed."""
    last = "no attempt made"
    for attempt in range(retries + 1):
        retry_after = None
        try:
            response = client.post(
                url, content=batch.body, headers={"Content-Type": batch.content_type}
            )
        except httpx.TransportError as exc:
            last = f"cannot reach {url}: {exc.__class__.__name__}"
        else:
            if response.status_code in ANSWERED:
                answer: dict[str, Any] = response.json()
                return answer
            last = _describe(response)
            if response.status_code not in RETRYABLE:
                raise PublishFailed(last)
            retry_after = response.headers.get("retry-after")
        if attempt < retries:
            time.sleep(backoff_seconds(attempt, retry_after))
    raise PublishFailed(f"gave up after {retries + 1} attempts: {last}")


def _describe(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"HTTP {response.status_code} {error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vaxshare publish", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--url",
        default=os.environ.get("VAXSHARE_INGEST_URL", "http://127.0.0.1:8081"),
        help="ingest base URL (default VAXSHARE_INGEST_URL or http://127.0.0.1:8081)",
    )
    parser.add_argument(
        "--key",
        default=os.environ.get("VAXSHARE_API_KEY"),
        help="publisher API key (default VAXSHARE_API_KEY)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=1000, help="events per request (default 1000)"
    )
    parser.add_argument("--format", choices=FORMATS, help="file format (default: from the suffix)")
    parser.add_argument("--retries", type=int, default=6, help="retries per batch (default 6)")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds per request (default 60)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Publish a file of events and print what was accepted and rejected."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if not args.key:
        print(
            "vaxshare publish: give a publisher API key (--key or VAXSHARE_API_KEY)",
            file=sys.stderr,
        )
        return 1
    if args.batch_size < 1:
        print("vaxshare publish: --batch-size must be at least 1", file=sys.stderr)
        return 1
    summary = Summary()
    try:
        fmt = file_format(args.file, args.format)
        total = count_events(args.file, fmt)
        url = args.url.rstrip("/") + "/v1/events"
        headers = {"Authorization": f"Bearer {args.key}"}
        with (
            httpx.Client(headers=headers, timeout=args.timeout) as client,
            tqdm(total=total, unit="event", disable=args.quiet, file=sys.stderr) as progress,
        ):
            for batch in batches(args.file, fmt, size=args.batch_size):
                summary.add(post_batch(client, url, batch, retries=args.retries))
                progress.update(batch.count)
    except (PublishFailed, OSError, ValueError) as exc:
        print("\n".join(summary.lines()))
        print(f"vaxshare publish: {exc}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    return 3 if summary.rejected else 0
