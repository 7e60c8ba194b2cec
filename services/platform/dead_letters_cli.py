"""`vaxshare dead-letters [--publisher NAME] [--reason CODE] [--json]`: what each publisher has
had refused, by stage and reason, from the dead-letter counts in Redis."""

from __future__ import annotations

import argparse
import json
import sys

import redis

from services.platform.dead_letters import dead_letter_counts_by_publisher
from services.platform.redis_client import connect
from services.platform.settings import CommonSettings

UNKNOWN_PUBLISHER = "(not decodable)"


def main(argv: list[str] | None = None) -> int:
    """Print dead letters by stage, reason and publisher, most frequent first."""
    parser = argparse.ArgumentParser(prog="vaxshare dead-letters", description=__doc__)
    parser.add_argument("--publisher", help="only this publisher's dead letters")
    parser.add_argument("--reason", help="only this reason (e.g. conflicting_duplicate)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    settings = CommonSettings()
    try:
        counts = dead_letter_counts_by_publisher(connect(settings), prefix=settings.redis_prefix)
    except redis.RedisError as exc:
        print(f"vaxshare dead-letters: Redis unavailable: {exc}", file=sys.stderr)
        return 1
    rows = sorted(
        (
            (n, stage, reason, publisher)
            for (stage, reason, publisher), n in counts.items()
            if args.publisher in (None, publisher) and args.reason in (None, reason)
        ),
        key=lambda row: (-row[0], row[1:]),
    )
    for n, stage, reason, publisher in rows:
        if args.json:
            row = {"stage": stage, "reason": reason, "publisher": publisher, "count": n}
            print(json.dumps(row))
        else:
            print(f"{n:>9}  {stage:<9}  {reason:<28}  {publisher or UNKNOWN_PUBLISHER}")
    if not rows:
        print("no dead letters", file=sys.stderr)
    return 0
