"""Small but realistic releases for API tests, written in the release store's own format.

Exact daily counts are drawn per LTLA × group × day (seeded), a UTLA's (and the region's)
exact counts are the sums of its LTLAs, and every table is then published with the NHS
Digital policy, as the release builder does: so some small groups are suppressed, and the
county's published figures agree with its districts' up to rounding.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from services.disclosure.registry import get_policy
from services.platform.release_store import ReleaseStore
from services.reference.areas import load_areas
from services.reference.breakdowns import BREAKDOWNS
from services.releases.model import Check, PublishedTable, ReleaseMeta, ReleaseStatus

HAMMERSMITH = "E09000013"
BRENT = "E09000005"
LANCASHIRE = "E10000017"
BURNLEY = "E07000117"
CHORLEY = "E07000118"
LONDON = "E12000007"
FIRST_DATE = date(2021, 1, 4)
EXAMPLE_BREAKDOWNS = (
    "none",
    "ethnic_group",
    "ethnic_group_detailed",
    "jcvi_age_band",
    "imd_decile",
    "msoa",
    "sex",
)
POLICY = "nhs-digital"


@dataclass(frozen=True)
class ExactTable:
    """Exact daily counts of one area × dose × breakdown (inside only: never served)."""

    groups: tuple[str, ...]
    daily: np.ndarray  # groups × days
    population: tuple[int | None, ...]


def _exact_ltla(ltla: str, dose: int, breakdown: str, days: int, seed: int) -> ExactTable:
    spec = BREAKDOWNS[breakdown]
    groups = spec.groups(ltla)
    population = tuple(spec.population((ltla,), g) for g in groups)
    rng = np.random.default_rng([seed, dose, int(ltla[1:]), len(breakdown)])
    daily = np.zeros((len(groups), days), dtype=np.int64)
    share = {1: 0.70, 2: 0.55, 3: 0.15}[dose]
    for g, pop in enumerate(population):
        size = pop if pop is not None else int(rng.integers(0, 400))
        # Groups differ in uptake, so the gap view has something to rank.
        rate = share * rng.uniform(0.5, 1.1) / days
        daily[g] = rng.binomial(max(size, 0), rate, size=days)
    return ExactTable(groups, daily, population)


def _published(area: str, dose: int, breakdown: str, exact: ExactTable) -> PublishedTable:
    policy = get_policy(POLICY)
    new = policy.publish(exact.daily).to_optional()
    cumulative = policy.publish(np.cumsum(exact.daily, axis=1)).to_optional()
    pops = [
        None if p is None else int(policy.publish_population(np.array([p]))[0])
        for p in exact.population
    ]
    return PublishedTable(
        area=area,
        dose=dose,
        breakdown=breakdown,
        first_date=FIRST_DATE,
        groups=exact.groups,
        new=tuple(tuple(r) for r in new),
        cumulative=tuple(tuple(r) for r in cumulative),
        population=tuple(pops),
    )


def _summed(parts: list[ExactTable], breakdown: str, codes: tuple[str, ...]) -> ExactTable:
    groups: list[str] = []
    for part in parts:
        groups += [g for g in part.groups if g not in groups]
    index = {g: i for i, g in enumerate(groups)}
    daily = np.zeros((len(groups), parts[0].daily.shape[1]), dtype=np.int64)
    for part in parts:
        for g, group in enumerate(part.groups):
            daily[index[group]] += part.daily[g]
    spec = BREAKDOWNS[breakdown]
    return ExactTable(tuple(groups), daily, tuple(spec.population(codes, g) for g in groups))


@functools.cache
def example_tables(days: int, seed: int = 7) -> dict[tuple[str, int, str], ExactTable]:
    """Exact tables for Hammersmith and Fulham, Brent, Lancashire and its 12 districts, London."""
    areas = load_areas()
    lancs = areas.ltla_codes_in(LANCASHIRE)
    exact: dict[tuple[str, int, str], ExactTable] = {}
    for dose in (1, 2, 3):
        for breakdown in EXAMPLE_BREAKDOWNS:
            for ltla in (HAMMERSMITH, BRENT, *lancs):
                exact[(ltla, dose, breakdown)] = _exact_ltla(ltla, dose, breakdown, days, seed)
            parts = [exact[(c, dose, breakdown)] for c in lancs]
            exact[(LANCASHIRE, dose, breakdown)] = _summed(parts, breakdown, lancs)
        london = (HAMMERSMITH, BRENT)
        parts = [exact[(c, dose, "none")] for c in london]
        exact[(LONDON, dose, "none")] = _summed(parts, "none", london)
    return exact


@functools.cache
def example_published(days: int, seed: int = 7) -> tuple[PublishedTable, ...]:
    """The example areas' tables as the release builder would publish them."""
    return tuple(_published(a, d, b, t) for (a, d, b), t in example_tables(days, seed).items())


def write_release(
    store: ReleaseStore,
    *,
    days: int,
    status: ReleaseStatus = ReleaseStatus.PUBLISHED,
    seed: int = 7,
    tables: list[PublishedTable] | None = None,
) -> ReleaseMeta:
    """Write one release with the example areas (or the given tables) and return its metadata."""
    release_id = store.next_id()
    if tables is None:
        tables = list(example_published(days, seed))
    last = FIRST_DATE + timedelta(days=days - 1)
    meta = ReleaseMeta(
        id=release_id,
        as_of=(last + timedelta(days=1)).isoformat(),
        status=ReleaseStatus.BUILDING,
        created_at=f"{last + timedelta(days=1)}T06:00:00+00:00",
        policy=POLICY,
        first_date=FIRST_DATE.isoformat(),
        last_date=last.isoformat(),
        breakdowns=list(EXAMPLE_BREAKDOWNS),
        checks=[
            Check("partitions_consumed_to_cut", True, "4/4"),
            Check("no_negative_cells", True, ""),
        ],
        audit={
            "suppressed_cells": sum(sum(v is None for row in t.new for v in row) for t in tables)
        },
        etag=f"r{release_id}-{seed}-{days}",
    )
    store.save(meta)
    store.write_tables(release_id, tables)
    meta.status = status
    if status is ReleaseStatus.PUBLISHED:
        meta.published_at = f"{last + timedelta(days=1)}T09:00:00+00:00"
        store.publish(meta)
    else:
        store.save(meta)
    return meta
