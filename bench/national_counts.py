"""Exact counts of a national roll-out, written straight into Redis in the aggregator's layout.

Simulating 130 million events and counting them would take hours; a release only reads the
counts. This writes what the aggregator would have written for the first `days` days of the
programme: per LTLA and dose a daily total following the roll-out (first doses peaking in
February 2021, second doses after the 12-week gap, a trickle of third primary doses), split
into every default breakdown's groups by population with age-first priority. Age band ×
detailed ethnic group is drawn jointly: `age_band` and `ethnic_group_detailed` are its
margins, `ethnic_group` merges the detailed groups, and `jcvi_age_band` and the
`age_band_ethnic_group` cross merge its age bands, so the tables nest and reconcile as real
counts do; every breakdown sums to the daily total.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import redis

from services.platform.redis_keys import RedisKeys
from services.reference import cohorts
from services.reference.breakdown_populations import residents
from services.reference.breakdowns import BREAKDOWNS, CROSS_SEPARATOR, DEFAULT_BREAKDOWNS
from services.reference.denominators import load_denominators

PROGRAMME_START = date(2020, 12, 8)
CROSS, AGES, JCVI = "age_band_ethnic_group", "age_band", "jcvi_age_band"
COLS, DETAILED = "ethnic_group", "ethnic_group_detailed"
# Share of the population vaccinated by the end of the window, and the day of the peak.
DOSE_SHAPE = {1: (0.52, 75.0, 25.0), 2: (0.10, 112.0, 14.0), 3: (0.0004, 110.0, 20.0)}
UNKNOWN_SHARE = 0.03  # weight of a group with no population (unknown, not stated)


def _age_priority(label: str) -> float:
    """How far ahead of the rest an age group was in the first four months (oldest first)."""
    low = label.split("-")[0].rstrip("+")
    if not low.isdigit():
        return 0.3
    age = int(low)
    if age >= 50:
        return 1.0
    if age >= 40:
        return 0.25
    return 0.08 if age >= 18 else 0.002


def _weights(breakdown: str, ltla: str, groups: Sequence[str]) -> np.ndarray:
    pops = [residents(load_denominators(), breakdown, g, (ltla,)) for g in groups]
    known = [p for p in pops if p]
    fallback = (sum(known) / len(known) if known else 1.0) * UNKNOWN_SHARE
    weights = np.array([float(p) if p else fallback for p in pops])
    if breakdown in ("age_band", "jcvi_age_band"):
        weights *= np.array([_age_priority(g) for g in groups])
    weights = np.maximum(weights, 1e-9)
    return weights / weights.sum()


def _merged(
    counts: np.ndarray, bands: Sequence[str], into: Sequence[str], band_of_age: Sequence[str]
) -> np.ndarray:
    """Counts by age band (axis 1) summed into coarser bands that are unions of them."""
    target = [into.index(band_of_age[int(band.split("-")[0].rstrip("+"))]) for band in bands]
    out = np.zeros((counts.shape[0], len(into), *counts.shape[2:]), dtype=np.int64)
    for i, j in enumerate(target):
        out[:, j] += counts[:, i]
    return out


def _daily_totals(rng: np.random.Generator, population: int, dose: int, days: int) -> np.ndarray:
    share, peak, width = DOSE_SHAPE[dose]
    t = np.arange(days)
    curve = np.exp(-(((t - peak) / width) ** 2))
    expected = population * share * curve / max(curve.sum(), 1e-9)
    return rng.poisson(expected).astype(np.int64)


def ltla_tables(
    rng: np.random.Generator, ltla: str, dose: int, days: int
) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Every default breakdown's table of one LTLA and dose: groups and a days × groups array."""
    population = residents(load_denominators(), "none", "all", (ltla,)) or 100_000
    total = _daily_totals(rng, population, dose, days)
    tables: dict[str, tuple[tuple[str, ...], np.ndarray]] = {"none": (("all",), total[:, None])}
    ages, detailed = BREAKDOWNS[AGES].groups(ltla), BREAKDOWNS[DETAILED].groups(ltla)
    cols = BREAKDOWNS[COLS].groups(ltla)
    joint = np.outer(_weights(AGES, ltla, ages), _weights(DETAILED, ltla, detailed)).ravel()
    fine = rng.multinomial(total, joint / joint.sum()).reshape(days, len(ages), len(detailed))
    parent = [
        cols.index(g.split(":")[0]) if g.split(":")[0] in cols else cols.index(g) for g in detailed
    ]
    cube = np.zeros((days, len(ages), len(cols)), dtype=np.int64)
    for d, c in enumerate(parent):
        cube[:, :, c] += fine[:, :, d]
    tables[AGES] = (tuple(ages), cube.sum(axis=2))
    tables[DETAILED] = (tuple(detailed), fine.sum(axis=1))
    tables[COLS] = (tuple(cols), cube.sum(axis=1))
    jcvi = BREAKDOWNS[JCVI].groups(ltla)
    tables[JCVI] = (tuple(jcvi), _merged(cube.sum(axis=2), ages, jcvi, cohorts.AGE_TO_JCVI_BAND))
    rows = tuple(band for band, _, _ in cohorts.CROSS_AGE_BANDS)
    merged = _merged(cube, ages, rows, cohorts.AGE_TO_CROSS_BAND)
    labels = tuple(f"{r}{CROSS_SEPARATOR}{c}" for r in rows for c in cols)
    tables[CROSS] = (labels, merged.reshape(days, len(labels)))
    for name in DEFAULT_BREAKDOWNS:
        if name in tables:
            continue
        groups = BREAKDOWNS[name].groups(ltla)
        tables[name] = (tuple(groups), rng.multinomial(total, _weights(name, ltla, groups)))
    return tables


def write_counts(
    client: redis.Redis,
    *,
    prefix: str,
    ltlas: Sequence[str],
    days: int,
    upto: int | None = None,
    seed: int = 2021,
    doses: Sequence[int] = (1, 2, 3),
) -> dict[str, int]:
    """Write the counts of `ltlas` into generation 1 and its stats; return the totals.

    The roll-out is drawn over `days` days and the first `upto` (default all) are written,
    so a later call with a larger `upto` adds days to the same history.
    """
    rng = np.random.default_rng(seed)
    upto = days if upto is None else upto
    dates = [(PROGRAMME_START + timedelta(days=i)).isoformat() for i in range(days)]
    keys = RedisKeys(prefix)
    vaccinations = cells = 0
    pipe = client.pipeline(transaction=False)
    for n, ltla in enumerate(ltlas):
        for dose in doses:
            for name, (groups, full) in ltla_tables(rng, ltla, dose, days).items():
                matrix = full[:upto]
                day_index, group_index = np.nonzero(matrix)
                if not len(day_index):
                    continue
                values = matrix[day_index, group_index].tolist()
                mapping = {
                    f"{dates[d]}|{groups[g]}": v
                    for d, g, v in zip(
                        day_index.tolist(), group_index.tolist(), values, strict=True
                    )
                }
                pipe.hset(keys.counts("1", 0, ltla, dose, name), mapping=mapping)  # type: ignore[arg-type]
                cells += len(mapping)
                if name == "none":
                    vaccinations += sum(values)
        if n % 20 == 19:
            pipe.execute()
    pipe.sadd(keys.shards, 0)  # every count in shard 0's tables: readers sum over one
    pipe.hset(
        keys.stats("1", 0),
        mapping={"consumed": vaccinations, "counted": vaccinations, "net_counted": vaccinations},
    )
    pipe.execute()
    return {"vaccinations": vaccinations, "cells": cells}
