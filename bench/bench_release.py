"""Benchmark: a full national release (309 LTLAs, 120 days, every default breakdown, audit).

Exact counts of the first 120 days of the programme are written straight into a local Redis
in the aggregator's layout (`bench.national_counts`); the events topic exists and is empty,
so the log cut is all zeros and the counts are "everything before the cut". The timing is
the wall time of the real `vaxshare release create --publish` process: cut, snapshot read,
disclosure control of every family, the disclosure audit, the verification checks and
writing the published tables. Then, if the time budget allows, the next day's release is
timed too: its audit also plays the attacker against the first release. A release still
running when the budget is spent is stopped and reported unfinished, with its profile.

    python -m bench.bench_release [--ltlas 309] [--days 120] [--budget 420]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.national_counts import PROGRAMME_START, write_counts
from bench.profiling import start_sampling, summarise
from bench.stack import PREFIX, BenchStack, running_stack
from devtools.localstack.servers import REPO_ROOT
from services.disclosure.linked.loss import share_over_doses
from services.platform.release_store import ReleaseStore
from services.reference.areas import load_areas
from services.releases.model import ReleaseMeta

DAYS = 120
TARGET_SECONDS = 60.0


def timed_release(stack: BenchStack, days: int, budget: float) -> dict[str, Any]:
    """Run `vaxshare release create --publish` as of the last of `days` days, within `budget`.

    Returns its seconds and summary, or (when the budget ran out first) how long it ran, and
    in both cases a py-spy profile of the process.
    """
    as_of = PROGRAMME_START + timedelta(days=days - 1)
    cmd = [
        sys.executable, "-m", "services.cli", "release", "create",
        "--as-of", as_of.isoformat(), "--publish",
    ]  # fmt: skip
    env = {**os.environ, **stack.env("release", VAXSHARE_RELEASE_WAIT_SECONDS="10")}
    log = stack.workdir / f"release-{days}.log"
    out = stack.workdir / f"release-{days}.profile"
    started = time.perf_counter()
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            cmd, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT
        )
        sampler = start_sampling(process.pid, None, out, rate=20)
        try:
            process.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            profile = summarise(out, sampler)
            process.terminate()
            process.wait(timeout=30)
            return {
                "finished": False,
                "seconds": round(time.perf_counter() - started, 1),
                "profile": profile,
            }
    seconds = time.perf_counter() - started
    profile = summarise(out, sampler)
    if process.returncode != 0:
        raise RuntimeError(f"the release failed:\n{log.read_text(errors='replace')[-2000:]}")
    store = ReleaseStore(stack.redis(), prefix=PREFIX)
    meta = max(store.all(), key=lambda m: m.id)
    return {"finished": True, "seconds": round(seconds, 1), **summary(meta), "profile": profile}


def summary(meta: ReleaseMeta) -> dict[str, Any]:
    """What a reader of the results needs to know about one release."""
    audit = meta.audit
    loss = audit.get("loss", [])
    return {
        "status": meta.status.value,
        "held_reasons": meta.held_reasons,
        "protected_cells": audit.get("protected_cells"),
        "audit_passed": audit.get("passed"),
        "coarsened_groups": audit.get("coarsened_groups"),
        "withheld_groups": audit.get("withheld_groups"),
        "held_back_groups": audit.get("held_back_groups"),
        "latest_held_groups": audit.get("latest_held_groups"),
        "large_blank_latest": sum(int(x["large_blank_latest"]) for x in loss),
        "worst_blank_share_all_dates": max(
            (float(x["blank_share_all_dates"]) for x in loss), default=0.0
        ),
        "worst_protective_blank_share_all_dates": max(
            (float(x.get("protective_blank_share_all_dates", 0.0)) for x in loss), default=0.0
        ),
        "worst_blank_share_all_dates_doses_1_2": max(
            (float(x["blank_share_all_dates"]) for x in loss if int(x["dose"]) <= 2), default=0.0
        ),
        # Each breakdown with all its doses together (a person counts once per dose).
        "worst_blank_share_all_dates_over_doses": round(
            max(share_over_doses(loss).values(), default=0.0), 6
        ),
        "largest_blank_latest": max((int(x["largest_blank_latest"]) for x in loss), default=0),
        "headline_blank_dates": audit.get("headline_blank_dates"),
        # A withheld group is blank on every date: it is no larger than its breakdown's
        # largest blank on the latest date.
        "withheld_by_breakdown": [
            {k: x[k] for k in ("breakdown", "dose", "withheld", "largest_blank_latest")}
            for x in loss
            if int(x["withheld"])
        ],
        "breakdowns_with_large_blanks": [
            {k: x[k] for k in ("breakdown", "dose", "large_blank_latest", "largest_blank_latest")}
            for x in loss
            if int(x["large_blank_latest"])
        ],
    }


def run(
    workdir: Path,
    *,
    ltlas: int | None = None,
    days: int | None = None,
    budget: float | None = None,
) -> dict[str, Any]:
    """Write national counts into a fresh stack, build releases, return the figures."""
    n_ltlas = ltlas or int(os.environ.get("VAXSHARE_BENCH_RELEASE_LTLAS", "309"))
    n_days = days or int(os.environ.get("VAXSHARE_BENCH_RELEASE_DAYS", str(DAYS)))
    left = budget or float(os.environ.get("VAXSHARE_BENCH_RELEASE_BUDGET_SECONDS", "420"))
    codes = [area.code for area in load_areas().ltlas()][:n_ltlas]
    with running_stack(workdir) as stack:
        client = stack.redis()
        started = time.perf_counter()
        written = write_counts(client, prefix=PREFIX, ltlas=codes, days=n_days + 1, upto=n_days)
        write_seconds = time.perf_counter() - started
        first = timed_release(stack, n_days, left)
        second: dict[str, Any] = {"skipped": "the first release used the time budget"}
        left -= first["seconds"]
        if first["finished"] and left > 1.2 * first["seconds"]:
            # The next day's counts: one more day of the roll-out on top of the same history.
            write_counts(client, prefix=PREFIX, ltlas=codes, days=n_days + 1)
            second = timed_release(stack, n_days + 1, left)
    met = first["finished"] and first["seconds"] < TARGET_SECONDS
    if second.get("finished") is not None:
        met = met and second["finished"] and second["seconds"] < TARGET_SECONDS
    return {
        "ltlas": len(codes),
        "days": n_days,
        "vaccinations": written["vaccinations"],
        "exact_cells": written["cells"],
        "counts_write_seconds": round(write_seconds, 1),
        "release_seconds": first["seconds"],
        "release": first,
        "next_day_release_seconds": second.get("seconds"),
        "next_day_release": second,
        "target_seconds": TARGET_SECONDS,
        "target_met": met,
        "timing": "wall time of the `vaxshare release create --publish` process",
    }


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_release")
    parser.add_argument("--ltlas", type=int, default=309)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--budget", type=float, default=420, help="seconds for all releases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        figures = run(Path(tmp), ltlas=args.ltlas, days=args.days, budget=args.budget)
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
