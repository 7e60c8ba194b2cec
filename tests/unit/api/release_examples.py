"""Small but realistic releases for API tests, written in the release store's own format.

Exact daily counts are drawn per LTLA: jointly by age band × detailed ethnic group (so the age
bands, JCVI bands, ethnic groups and the age × ethnic group cross all add up as real counts
do), and split by sex, deprivation decile and neighbourhood in proportion to their resident
populations. A UTLA's (and the region's) exact counts are the sums of its LTLAs, and every
table is then published with the NHS Digital policy, as the release builder does: so some
small groups are suppressed, and the county's published figures agree with its districts' up
to rounding.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from services.disclosure.linked.grids import sample_daily, week_ends
from services.disclosure.linked.publication import BLANK, rule_only
from services.disclosure.registry import get_policy
from services.platform.release_store import ReleaseStore
from services.reference import cohorts
from services.reference.age_ranges import band
from services.reference.areas import load_areas
from services.reference.breakdown_populations import residents
from services.reference.breakdowns import BREAKDOWNS, CROSS_SEPARATOR
from services.reference.denominators import load_denominators
from services.release.tables import WEEKLY_ONLY
from services.releases.model import Check, PublishedTable, ReleaseMeta, ReleaseStatus

HAMMERSMITH = "E09000013"
BRENT = "E09000005"
LANCASHIRE = "E10000017"
BURNLEY = "E07000117"
CHORLEY = "E07000118"
LONDON = "E12000007"
ENGLAND = "E92000001"
FIRST_DATE = date(2021, 1, 4)
EXAMPLE_BREAKDOWNS = (
    "none",
    "age_band",
    "jcvi_age_band",
    "ethnic_group",
    "ethnic_group_detailed",
    "age_band_ethnic_group",
    "imd_decile",
    "msoa",
    "sex",
)
SPLIT_BREAKDOWNS = ("imd_decile", "msoa", "sex")
POLICY = "nhs-digital"
DOSE_SHARE = {1: 0.70, 2: 0.55, 3: 0.15}
NOT_STATED_SHARE = 0.05


@dataclass(frozen=True)
class ExactTable:
    """Exact daily counts of one area × dose × breakdown (inside only: never served)."""

    groups: tuple[str, ...]
    daily: np.ndarray  # groups × days


def _merge(
    daily: np.ndarray, labels: tuple[str, ...], merged: tuple[str, ...], into: dict[str, str]
) -> np.ndarray:
    out = np.zeros((len(merged), daily.shape[1]), dtype=np.int64)
    for i, label in enumerate(labels):
        out[merged.index(into[label])] += daily[i]
    return out


def _exact_ltla(ltla: str, dose: int, days: int, seed: int) -> dict[str, ExactTable]:
    """Every example breakdown of one LTLA and dose, consistent with one another."""
    rng = np.random.default_rng([seed, dose, int(ltla[1:])])
    denominators = load_denominators()
    ages = cohorts.AGE_BANDS
    detailed = BREAKDOWNS["ethnic_group_detailed"].groups(ltla)
    age_sizes = np.array([residents(denominators, "age_band", a, (ltla,)) or 0 for a in ages])
    shares = np.array(
        [residents(denominators, "ethnic_group_detailed", g, (ltla,)) or 0 for g in detailed],
        dtype=float,
    )
    shares[-1] = NOT_STATED_SHARE * shares.sum()  # not stated: no census group of its own
    shares /= shares.sum()
    # Older bands and some groups take more doses, so the gap view has something to rank.
    by_age = np.array([0.01 if band(a).lo < 16 else 0.4 + band(a).lo / 120 for a in ages])
    by_group = rng.uniform(0.5, 1.1, size=len(detailed))
    rate = DOSE_SHARE[dose] * np.outer(by_age, by_group) / days
    sizes = np.outer(age_sizes, shares).astype(np.int64)
    joint = rng.binomial(
        sizes[:, :, None], np.minimum(rate, 1.0)[:, :, None], size=(*sizes.shape, days)
    )
    labels = tuple(f"{a}{CROSS_SEPARATOR}{g}" for a in ages for g in detailed)
    flat = joint.reshape(len(labels), days)
    five = {g: g.split(":")[0] for g in detailed}
    into = {
        "none": {label: "all" for label in labels},
        "age_band": {label: label.partition(CROSS_SEPARATOR)[0] for label in labels},
        "jcvi_age_band": {
            label: cohorts.AGE_TO_JCVI_BAND[band(label.partition(CROSS_SEPARATOR)[0]).lo]
            for label in labels
        },
        "ethnic_group": {label: five[label.partition(CROSS_SEPARATOR)[2]] for label in labels},
        "ethnic_group_detailed": {label: label.partition(CROSS_SEPARATOR)[2] for label in labels},
        "age_band_ethnic_group": {
            label: cohorts.AGE_TO_CROSS_BAND[band(label.partition(CROSS_SEPARATOR)[0]).lo]
            + CROSS_SEPARATOR
            + five[label.partition(CROSS_SEPARATOR)[2]]
            for label in labels
        },
    }
    tables = {
        name: ExactTable(
            BREAKDOWNS[name].groups(ltla),
            _merge(flat, labels, BREAKDOWNS[name].groups(ltla), mapping),
        )
        for name, mapping in into.items()
    }
    total = tables["none"].daily[0]
    for name in SPLIT_BREAKDOWNS:
        groups = BREAKDOWNS[name].groups(ltla)
        weights = np.array([residents(denominators, name, g, (ltla,)) or 0 for g in groups])
        weights = weights + 0.01 * weights.sum() / len(groups)  # unknowns are rare, not absent
        split = rng.multinomial(total, weights / weights.sum()).T.astype(np.int64)
        tables[name] = ExactTable(groups, split)
    return tables


def _published(area: str, dose: int, breakdown: str, exact: ExactTable) -> PublishedTable:
    """Under the rule alone; the fine cross-tabulations, as a release publishes them, for
    the end of each week only (the last Sunday, not the release's last date)."""
    daily, columns = exact.daily, ()
    if breakdown in WEEKLY_ONLY:
        sundays = week_ends(FIRST_DATE, daily.shape[1])
        daily, columns = sample_daily(daily, sundays), tuple(int(d) for d in sundays)
    cumulative, new = rule_only(daily, get_policy(POLICY))

    def optional(matrix: np.ndarray) -> tuple[tuple[int | None, ...], ...]:
        return tuple(tuple(None if v == BLANK else int(v) for v in row) for row in matrix)

    return PublishedTable(
        area=area,
        dose=dose,
        breakdown=breakdown,
        first_date=FIRST_DATE,
        groups=exact.groups,
        new=optional(new),
        cumulative=optional(cumulative),
        columns=columns,
        rounding=(5,) * len(exact.groups),
        max_error=(2,) * len(exact.groups),
        withheld=(False,) * len(exact.groups),
    )


def _summed(parts: list[ExactTable]) -> ExactTable:
    groups: list[str] = []
    for part in parts:
        groups += [g for g in part.groups if g not in groups]
    index = {g: i for i, g in enumerate(groups)}
    daily = np.zeros((len(groups), parts[0].daily.shape[1]), dtype=np.int64)
    for part in parts:
        for g, group in enumerate(part.groups):
            daily[index[group]] += part.daily[g]
    return ExactTable(tuple(groups), daily)


@functools.cache
def example_tables(days: int, seed: int = 7) -> dict[tuple[str, int, str], ExactTable]:
    """Exact tables for Hammersmith and Fulham, Brent, Lancashire and its 12 districts, London
    and England (the sum of them all)."""
    areas = load_areas()
    lancs = areas.ltla_codes_in(LANCASHIRE)
    exact: dict[tuple[str, int, str], ExactTable] = {}
    for dose in (1, 2, 3):
        for ltla in (HAMMERSMITH, BRENT, *lancs):
            for breakdown, table in _exact_ltla(ltla, dose, days, seed).items():
                exact[(ltla, dose, breakdown)] = table
        for breakdown in EXAMPLE_BREAKDOWNS:
            parts = [exact[(c, dose, breakdown)] for c in lancs]
            exact[(LANCASHIRE, dose, breakdown)] = _summed(parts)
        london = (HAMMERSMITH, BRENT)
        exact[(LONDON, dose, "none")] = _summed([exact[(c, dose, "none")] for c in london])
        every = (HAMMERSMITH, BRENT, *lancs)
        exact[(ENGLAND, dose, "none")] = _summed([exact[(c, dose, "none")] for c in every])
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
