"""Benchmark: disclosure control alone over a national release, and its information loss.

The synthetic national counts (`bench.national_counts`: 309 LTLAs, every default breakdown,
doses 1-3) for the first ``--days`` days are protected in memory by the release service's
own table builder (`services.release.tables.build_tables`): every cluster, both grids, the
headline family, repair until the audit passes. No Redis or Kafka. Prints the wall time, the
audit's verdict and the loss figures the release would record.

    python -m bench.bench_disclosure [--workers 2] [--days 120] [--ltlas 309] [--seed 2021]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.national_counts import PROGRAMME_START, ltla_tables
from services.disclosure.linked.loss import share_over_doses
from services.disclosure.registry import get_policy
from services.reference.areas import load_areas
from services.reference.breakdowns import DEFAULT_BREAKDOWNS
from services.release.family_pool import family_mapper
from services.release.tables import build_tables, date_range


def national_cells(days: int, ltlas: int, seed: int = 2021) -> dict:
    """Exact counts in the snapshot's shape: (LTLA, dose, breakdown) -> {(day, group): n}."""
    rng = np.random.default_rng(seed)
    dates = date_range(PROGRAMME_START, PROGRAMME_START + timedelta(days=days - 1))
    cells: dict = {}
    for area in load_areas().ltlas()[:ltlas]:
        for dose in (1, 2, 3):
            for name, (groups, matrix) in ltla_tables(rng, area.code, dose, days).items():
                table = {}
                for d, g in zip(*np.nonzero(matrix), strict=True):
                    table[(dates[d], groups[g])] = int(matrix[d, g])
                cells[(area.code, dose, name)] = table
    return cells


def measure(workers: int, days: int, ltlas: int, seed: int = 2021) -> dict[str, Any]:
    """Protect the national release once (one draw of the generator); its figures."""
    started = time.perf_counter()
    cells = national_cells(days, ltlas, seed)
    generated = time.perf_counter() - started
    dates = date_range(PROGRAMME_START, PROGRAMME_START + timedelta(days=days - 1))
    policy = get_policy("nhs-digital")
    started = time.perf_counter()
    with family_mapper(workers) as mapper:
        tables = build_tables(
            cells,
            areas=load_areas(),
            breakdowns=list(DEFAULT_BREAKDOWNS),
            policy=policy,
            dates=dates,
            mapper=mapper,
        )
    seconds = time.perf_counter() - started
    worst = max(tables.loss, key=lambda loss: float(loss["blank_share_all_dates"]))  # type: ignore[arg-type]
    over_doses = share_over_doses(tables.loss)
    worst_over_doses = max(over_doses, key=over_doses.__getitem__)
    return {
        "ltlas": ltlas,
        "seed": seed,
        "days": days,
        "workers": workers,
        "data_generation_seconds": round(generated, 1),
        "disclosure_seconds": round(seconds, 1),
        "audit_passed": tables.passed,
        "failing": tables.failing[:10],
        "tables": len(tables.tables),
        "protected_cells": tables.protected_cells,
        "coarsened_groups": sum(1 for v in tables.levels.values() if 0 < v < len(policy.bases)),
        "withheld_groups": sum(1 for v in tables.levels.values() if v >= len(policy.bases)),
        "held_back_groups": len(tables.first_shown),
        "latest_held_groups": len(tables.shown_until),
        "headline_blank_dates": tables.headline_blank_dates,
        "large_blank_latest": sum(int(loss["large_blank_latest"]) for loss in tables.loss),  # type: ignore[call-overload]
        "largest_blank_latest": max(int(loss["largest_blank_latest"]) for loss in tables.loss),  # type: ignore[call-overload]
        "worst_blank_share_all_dates": worst["blank_share_all_dates"],
        "worst_blank_share_breakdown": f"{worst['breakdown']} dose {worst['dose']}",
        "worst_blank_share_all_dates_over_doses": round(over_doses[worst_over_doses], 6),
        "worst_over_doses_breakdown": worst_over_doses,
        "worst_protective_blank_share_all_dates": max(
            float(loss["protective_blank_share_all_dates"])  # type: ignore[arg-type]
            for loss in tables.loss
        ),
        "loss": tables.loss,
    }


def run(workdir: Path) -> dict[str, Any]:
    """Entry point for ``bench/run.py``: the national release on two processes."""
    del workdir  # pure computation, nothing written
    return measure(2, 120, 309)


def main() -> None:
    """Protect a synthetic national release and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--ltlas", type=int, default=309)
    parser.add_argument(
        "--seed", type=int, default=2021, help="another draw of the synthetic counts"
    )
    args = parser.parse_args()
    figures = measure(args.workers, args.days, args.ltlas, args.seed)
    figures.pop("loss")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
