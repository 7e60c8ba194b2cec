"""One upper-tier area with its LTLAs and every dose, on both grids, as two linked parts.

The daily part holds the headline and simple breakdowns of every area of the cluster; the
weekly part holds every breakdown on the weekly grid. A row both hold (the same key) is one
published series: the weekly part samples it, so its rule (first shown date, blank prefix) is
the daily part's, and the rule's "at least 1 the day before" is known on the daily grid only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from services.disclosure.linked import gates
from services.disclosure.linked.assemble import (
    AssembledFamily,
    Context,
    LinksOf,
    Table,
    TableKey,
    assemble,
)
from services.disclosure.linked.bounds import UNBOUNDED
from services.disclosure.linked.grids import sample_daily
from services.disclosure.linked.joint import Part
from services.disclosure.linked.model import RowKey
from services.disclosure.linked.publication import RowRule, own_rule
from services.disclosure.policy import Policy

DayBounds = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Bounds on one row by global date: ``(cum_lo, cum_hi, new_lo, new_hi)``."""


@dataclass(frozen=True, eq=False)
class ClusterSpec:
    """What to protect: an upper tier (``None`` for a lone area) and its LTLAs."""

    upper: str | None
    lowers: tuple[str, ...]
    tables: Mapping[TableKey, Table]
    n_dates: int
    week_columns: np.ndarray
    doses: tuple[int, ...]
    daily: tuple[str, ...]
    weekly: tuple[str, ...]
    start_levels: Mapping[RowKey, int]
    context: Context | None = None
    """Other areas' headline rows linked to this cluster's totals (region, England)."""


@dataclass(frozen=True, eq=False)
class ClusterParts:
    """The cluster's two assembled families and their parts."""

    daily: AssembledFamily
    weekly: AssembledFamily
    parts: tuple[Part, Part]


def build_parts(
    spec: ClusterSpec,
    policy: Policy,
    links_of: LinksOf,
    priors: Mapping[RowKey, DayBounds] | None = None,
) -> ClusterParts:
    """Assemble both grids of a cluster and state how the rule applies to each."""
    weekly_tables = {
        key: (groups, sample_daily(daily, spec.week_columns))
        for key, (groups, daily) in spec.tables.items()
        if key[2] in spec.weekly
    }
    common = dict(
        lowers=spec.lowers,
        upper=spec.upper,
        doses=spec.doses,
        links_of=links_of,
        start_levels=spec.start_levels,
    )
    daily = assemble(
        n_dates=spec.n_dates,
        breakdowns=spec.daily,
        tables=spec.tables,
        context=spec.context,
        **common,  # type: ignore[arg-type]
    )
    weekly = assemble(
        n_dates=len(spec.week_columns),
        breakdowns=spec.weekly,
        tables=weekly_tables,
        **common,  # type: ignore[arg-type]
    )
    own_areas = {*spec.lowers, spec.upper}
    days = np.arange(spec.n_dates)
    opens = gates.opening_dates(daily.family, own_areas, days, policy)
    daily_rule = replace(
        own_rule(daily.family, policy), gate=gates.row_gates(daily.family.keys, opens)
    )
    weekly_rule = replace(
        _sampled_rule(
            weekly, daily, daily_rule, own_rule(weekly.family, policy, spec.week_columns)
        ),
        gate=gates.row_gates(weekly.family.keys, opens),
    )
    fixed = frozenset(r for r, key in enumerate(daily.family.keys) if key[0] not in own_areas)
    daily_prior = gates.bounds(
        daily.family.keys, opens, days, _prior(daily, daily_rule, priors, True), policy
    )
    weekly_prior = gates.bounds(
        weekly.family.keys,
        opens,
        np.asarray(spec.week_columns),
        _prior(weekly, weekly_rule, priors, False),
        policy,
    )
    parts = (
        Part(daily.family, daily_rule, daily.totals, daily_prior, fixed),
        Part(weekly.family, weekly_rule, weekly.totals, weekly_prior),
    )
    return ClusterParts(daily, weekly, parts)


def _sampled_rule(
    weekly: AssembledFamily, daily: AssembledFamily, daily_rule: RowRule, own: RowRule
) -> RowRule:
    index = {key: row for row, key in enumerate(daily.family.keys)}
    shared = np.array([key in index for key in weekly.family.keys], dtype=bool)
    rows = np.array([index.get(key, 0) for key in weekly.family.keys], dtype=np.intp)
    return RowRule(
        col_dates=own.col_dates,
        natural=np.where(shared, daily_rule.natural[rows], own.natural),
        prefixed=np.where(shared, daily_rule.prefixed[rows], own.prefixed),
        floor=~shared,
    )


def _prior(
    assembled: AssembledFamily,
    rule: RowRule,
    priors: Mapping[RowKey, DayBounds] | None,
    with_new: bool,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Stacked prior bounds of a part from per-row bounds by global date (None if none)."""
    if not priors:
        return None
    family = assembled.family
    n = family.n_dates
    lo = np.zeros((family.n_rows, 2 * n), dtype=np.int64)
    hi = np.full((family.n_rows, 2 * n), UNBOUNDED, dtype=np.int64)
    found = False
    for row, key in enumerate(family.keys):
        bounds = priors.get(key)
        if bounds is None:
            continue
        found = True
        cum_lo, cum_hi, new_lo, new_hi = bounds
        lo[row, n:], hi[row, n:] = cum_lo[rule.col_dates], cum_hi[rule.col_dates]
        if with_new:
            lo[row, :n], hi[row, :n] = new_lo[rule.col_dates], new_hi[rule.col_dates]
    return (lo, hi) if found else None


def day_bounds(
    lo: np.ndarray, hi: np.ndarray, col_dates: np.ndarray, n_days: int, with_new: bool
) -> DayBounds:
    """One row's stacked bounds spread back onto global dates (open where unknown)."""
    n = len(col_dates)
    cum_lo = np.zeros(n_days, dtype=np.int64)
    cum_hi = np.full(n_days, UNBOUNDED, dtype=np.int64)
    new_lo = np.zeros(n_days, dtype=np.int64)
    new_hi = np.full(n_days, UNBOUNDED, dtype=np.int64)
    cum_lo[col_dates], cum_hi[col_dates] = lo[n:], hi[n:]
    if with_new:
        new_lo[col_dates], new_hi[col_dates] = lo[:n], hi[:n]
    return cum_lo, cum_hi, new_lo, new_hi


def row_bounds(
    assembled: AssembledFamily,
    rule: RowRule,
    lo: np.ndarray,
    hi: np.ndarray,
    keys: Sequence[RowKey],
    n_days: int,
    with_new: bool,
) -> dict[RowKey, DayBounds]:
    """Bounds of the given rows (where the family has them) by global date."""
    index = {key: row for row, key in enumerate(assembled.family.keys)}
    return {
        key: day_bounds(lo[index[key]], hi[index[key]], rule.col_dates, n_days, with_new)
        for key in keys
        if key in index
    }
