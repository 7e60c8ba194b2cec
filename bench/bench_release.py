"""Benchmark: a full national release (309 LTLAs, 120 days, every default breakdown, audit).

Exact counts of the first 120 days of the programme are written straight into a local Redis
in the aggregator's layout (`bench.national_counts`); the events topic exists and is empty,
so the log cut is all zeros and the counts are "everything before the cut". The timing is
`ReleaseBuilder.create(publish=True)`: cut, snapshot read, disclosure control of every
family, the disclosure audit, the verification checks and writing the published tables.
Then a second release the next day is timed too: its audit also plays the attacker
against the first release.

    python -m bench.bench_release [--ltlas 309] [--days 120]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.national_counts import PROGRAMME_START, write_counts
from bench.profiling import start_sampling, summarise
from bench.stack import EVENTS_TOPIC, PREFIX, BenchStack, running_stack
from services.aggregate.release_builder import ReleaseBuilder
from services.aggregate.release_settings import ReleaseSettings
from services.platform.release_store import ReleaseMeta
from services.reference.areas import load_areas

DAYS = 120
TARGET_SECONDS = 60.0


def builder(stack: BenchStack) -> ReleaseBuilder:
    """A release builder on the stack, with the default breakdowns and policy."""
    settings = ReleaseSettings(
        kafka_bootstrap=stack.bootstrap,
        redis_url=stack.redis_url,
        redis_prefix=PREFIX,
        events_topic=EVENTS_TOPIC,
        release_wait_seconds=10,
    )
    return ReleaseBuilder(redis=stack.redis(), settings=settings, areas=load_areas())


def timed_release(release_builder: ReleaseBuilder, days: int) -> tuple[float, ReleaseMeta]:
    """Build and publish the release as of the last of `days` days; its seconds and meta."""
    as_of = PROGRAMME_START + timedelta(days=days - 1)
    started = time.perf_counter()
    meta = release_builder.create(as_of=as_of, publish=True)
    return time.perf_counter() - started, meta


def summary(meta: ReleaseMeta) -> dict[str, Any]:
    """What a reader of the results needs to know about one release."""
    audit = meta.audit
    return {
        "status": meta.status.value,
        "held_reasons": meta.held_reasons,
        "published_cells": audit.get("published_cells"),
        "protected_cells": audit.get("protected_cells"),
        "primary_suppressed": audit.get("primary_suppressed"),
        "secondary_suppressed": audit.get("secondary_suppressed"),
        "suppressed_share": audit.get("suppressed_share"),
        "audit_passed": audit.get("passed"),
        "tightest_interval_width": audit.get("tightest_interval_width"),
    }


def run(workdir: Path, *, ltlas: int | None = None, days: int | None = None) -> dict[str, Any]:
    """Write national counts into a fresh stack, build two releases, return the figures."""
    n_ltlas = ltlas or int(os.environ.get("VAXSHARE_BENCH_RELEASE_LTLAS", "309"))
    n_days = days or int(os.environ.get("VAXSHARE_BENCH_RELEASE_DAYS", str(DAYS)))
    codes = [area.code for area in load_areas().ltlas()][:n_ltlas]
    with running_stack(workdir) as stack:
        started = time.perf_counter()
        client = stack.redis()
        written = write_counts(client, prefix=PREFIX, ltlas=codes, days=n_days + 1, upto=n_days)
        write_seconds = time.perf_counter() - started
        release_builder = builder(stack)
        out = workdir / "release.profile"
        sampler = start_sampling(os.getpid(), None, out, rate=50)
        first_seconds, first = timed_release(release_builder, n_days)
        profile = summarise(out, sampler)
        # The next day's counts: one more day of the roll-out on top of the same history.
        write_counts(client, prefix=PREFIX, ltlas=codes, days=n_days + 1)
        second_seconds, second = timed_release(release_builder, n_days + 1)
    return {
        "ltlas": len(codes),
        "days": n_days,
        "vaccinations": written["vaccinations"],
        "exact_cells": written["cells"],
        "counts_write_seconds": round(write_seconds, 1),
        "release_seconds": round(first_seconds, 1),
        "release": summary(first),
        "next_day_release_seconds": round(second_seconds, 1),
        "next_day_release": summary(second),
        "target_seconds": TARGET_SECONDS,
        "target_met": first_seconds < TARGET_SECONDS and second_seconds < TARGET_SECONDS,
        "profile": profile,
    }


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_release")
    parser.add_argument("--ltlas", type=int, default=309)
    parser.add_argument("--days", type=int, default=DAYS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        print(json.dumps(run(Path(tmp), ltlas=args.ltlas, days=args.days), indent=2))


if __name__ == "__main__":
    main()
