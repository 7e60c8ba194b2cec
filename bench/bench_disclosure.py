"""Benchmark: disclosure control (policy + audit + secondary suppression) of a national release.

Synthetic but national-sized: 309 LTLAs (200 in 24 two-tier counties, 109 unitary), 3 doses,
120 dates and about 180 breakdown groups per area (age bands, JCVI bands and groups, ethnic
groups, sex, IMD deciles, ~23 MSOAs, and the age band × ethnic group cross with its audited
row margin). Daily totals
follow a roll-out curve; groups are multinomial splits, so small cells are common. Prints the
wall time of protecting every family, on ``--workers`` processes.

    python bench/bench_disclosure.py [--workers 2] [--dates 120] [--policy nhs-digital]
        [--audit propagation|certified] [--rounds 0] [--exact 0] [--limit N]

``--rounds 0`` (the default, and what ``run`` records for both audits) measures the policy
and one full audit pass; more rounds add secondary suppression (and, for the certified
audit, ``--exact`` integer searches for the cells its pattern screen cannot certify).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from services.disclosure import Cross, FamilyInput, get_policy, protect_family

SIMPLE = {
    "age_band": 17,
    "jcvi_age_band": 13,
    "jcvi_group": 11,
    "ethnic_group_detailed": 20,
    "sex": 4,
    "imd_decile": 11,
}
ROWS, COLS = "age_band_ethnic_group:age", "ethnic_group"
N_ROWS, N_ETHNIC = 9, 6


def _labels(name: str, n: int) -> tuple[str, ...]:
    return tuple(f"{name}-{i}" for i in range(n))


def _ltla(rng: np.random.Generator, code: str, dose: int, n_dates: int) -> dict:
    """Exact daily tables of one LTLA and dose: {breakdown: (labels, [groups × dates])}."""
    population = rng.integers(25_000, 400_000)
    t = np.arange(n_dates)
    peak = n_dates * (0.3 + 0.2 * dose) + rng.normal(0, 5)
    rate = population * 0.012 * np.exp(-(((t - peak) / (n_dates / 5)) ** 2))
    total = rng.poisson(rate).astype(np.int64)
    tables: dict[str, tuple[tuple[str, ...], np.ndarray]] = {"none": (("all",), total[None])}
    for name, n in SIMPLE.items():
        p = rng.dirichlet(np.full(n, 0.8))
        tables[name] = (_labels(name, n), rng.multinomial(total, p).T.astype(np.int64))
    msoas = int(rng.integers(15, 30))
    p = rng.dirichlet(np.full(msoas + 1, 3.0))
    labels = (*(f"{code}-msoa-{i}" for i in range(msoas)), "Unknown")
    tables["msoa"] = (labels, rng.multinomial(total, p).T.astype(np.int64))
    rows, cols = _labels(ROWS, N_ROWS), _labels(COLS, N_ETHNIC)
    p = np.outer(rng.dirichlet(np.full(len(rows), 1.0)), rng.dirichlet(np.full(N_ETHNIC, 0.7)))
    cross = rng.multinomial(total, p.ravel()).T.astype(np.int64)
    dense = cross.reshape(len(rows), N_ETHNIC, n_dates)
    tables[ROWS] = (rows, dense.sum(axis=1))
    tables[COLS] = (cols, dense.sum(axis=0))
    tables["age_band_ethnic_group"] = (tuple(f"{r}|{c}" for r in rows for c in cols), cross)
    return tables


def _family(seed: int, upper: str, lowers: tuple[str, ...], dose: int, n_dates: int):
    rng = np.random.default_rng(seed)
    dates = tuple(date(2021, 1, 1) + timedelta(days=i) for i in range(n_dates))
    per_area = {code: _ltla(rng, code, dose, n_dates) for code in lowers}
    breakdowns = {b: labels for b, (labels, _) in per_area[lowers[0]].items()}
    exact = {(a, b): t for a, tables in per_area.items() for b, (_, t) in tables.items()}
    area_groups = {(a, "msoa"): per_area[a]["msoa"][0] for a in lowers}
    areas = lowers
    children: dict[str, tuple[str, ...]] = {}
    if upper not in lowers:
        areas = (*lowers, upper)
        children = {upper: lowers}
        for b in breakdowns:
            labels = tuple(dict.fromkeys(x for a in lowers for x in per_area[a][b][0]))
            index = {x: i for i, x in enumerate(labels)}
            summed = np.zeros((len(labels), n_dates), dtype=np.int64)
            for a in lowers:
                rows = [index[x] for x in per_area[a][b][0]]
                summed[rows] += per_area[a][b][1]
            exact[(upper, b)] = summed
            area_groups[(upper, b)] = labels
    return FamilyInput(
        dates=dates,
        areas=areas,
        children=children,
        breakdowns=breakdowns,
        exact_new=exact,
        crosses=(Cross("age_band_ethnic_group", ROWS, COLS),),
        area_groups=area_groups,
    )


def _families(n_dates: int) -> Iterator[tuple]:
    """Arguments for every family of the national release: 24 counties + 109 unitaries."""
    code = 0
    for county in range(24):
        n = 8 + (county % 3) - 1  # 7..9 districts, 200 in all
        lowers = tuple(f"E07{code + i:06d}" for i in range(n))
        code += n
        for dose in (1, 2, 3):
            yield (county * 10 + dose, f"E10{county:06d}", lowers, dose, n_dates)
    for unitary in range(309 - code):
        area = f"E06{unitary:06d}"
        for dose in (1, 2, 3):
            yield (100_000 + unitary * 10 + dose, area, (area,), dose, n_dates)


def _protect(args: tuple) -> tuple[int, int, int, int, bool, int, float]:
    *family_args, policy_name, audit, rounds, exact = args
    family = _family(*family_args)
    started = time.perf_counter()
    result = protect_family(
        family, get_policy(policy_name), max_rounds=rounds, exact_searches=exact, audit=audit
    )
    elapsed = time.perf_counter() - started
    cells = sum(t.size for t in family.exact_new.values())
    return (
        cells,
        result.primary_suppressed,
        result.secondary_suppressed,
        result.protected_cells,
        result.audit_passed,
        result.failing_cells,
        elapsed,
    )


def measure(
    workers: int,
    n_dates: int,
    policy: str,
    limit: int,
    rounds: int,
    exact: int,
    audit: str = "propagation",
) -> dict[str, float | int | str]:
    """Protect the synthetic national release; figures as a dict."""
    jobs = [(*f, policy, audit, rounds, exact) for f in _families(n_dates)]
    if limit:
        jobs = jobs[:limit]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_protect, jobs, chunksize=2))
    wall = time.perf_counter() - started
    cells, primary, secondary, protected, passed, failing, busy = (
        sum(x) for x in zip(*results, strict=True)
    )
    return {
        "audit": audit,
        "families": len(results),
        "families_passed": passed,
        "daily_cells": cells,
        "protected_cells": protected,
        "protected_cells_not_certified": failing,
        "primary_suppressed": primary,
        "secondary_suppressed": secondary,
        "workers": workers,
        "protect_seconds_per_worker": round(busy / workers, 1),
        "wall_seconds_incl_data_generation": round(wall, 1),
    }


def run(workdir: Path) -> dict[str, float | int | str]:
    """Entry point for ``bench/run.py``: policy + one audit pass of each audit, nationally."""
    del workdir  # pure computation, nothing written
    figures: dict[str, float | int | str] = {}
    for audit in ("propagation", "certified"):
        measured = measure(2, 120, "nhs-digital", 0, 0, 0, audit)
        figures.update({f"{audit}_{name}": value for name, value in measured.items()})
    return figures


def main() -> None:
    """Protect every family of a synthetic national release and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dates", type=int, default=120)
    parser.add_argument("--policy", default="nhs-digital")
    parser.add_argument("--limit", type=int, default=0, help="only the first N families")
    parser.add_argument("--rounds", type=int, default=0, help="secondary suppression rounds")
    parser.add_argument("--exact", type=int, default=0, help="exact searches per round")
    parser.add_argument("--audit", default="propagation", choices=("propagation", "certified"))
    args = parser.parse_args()
    figures = measure(
        args.workers, args.dates, args.policy, args.limit, args.rounds, args.exact, args.audit
    )
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
