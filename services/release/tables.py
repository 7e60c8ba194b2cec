"""Turn a frozen snapshot of exact counts into the published tables of a release.

Disclosure control (``services.disclosure.linked``) protects every upper-tier area with its
LTLAs, every dose and both grids at once, in the context of every area's headline: what is
published is the cumulative count of every group, rounded (NHS Digital: to 5), blank while
small, coarser or held back where a reader could otherwise pin a small count down; ``new`` is
the difference of published cumulative counts. The simple breakdowns are published for every
day, the fine cross-tabulations for the end of every week.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from services.disclosure.linked.cluster import ClusterSpec
from services.disclosure.linked.grids import week_ends
from services.disclosure.linked.loss import headline_blank_dates, loss_by_breakdown
from services.disclosure.linked.model import RowKey
from services.disclosure.linked.national import (
    ClusterJob,
    ClusterOutcome,
    Earlier,
    Protected,
    protect_all,
)
from services.disclosure.linked.publication import BLANK
from services.disclosure.linked.series import SeriesTable, release_tables
from services.disclosure.policy import Policy
from services.reference.areas import ENGLAND, AreaRegistry
from services.reference.breakdown_links import area_links
from services.reference.breakdowns import BREAKDOWNS
from services.releases.model import PublishedTable

CellKey = tuple[str, int, str]
Cells = Mapping[CellKey, Mapping[tuple[date, str], int]]
ExactTable = tuple[tuple[str, ...], np.ndarray]
DOSES = (1, 2, 3)
WEEKLY_ONLY = ("ethnic_group_detailed", "age_band_ethnic_group")
"""Fine cross-tabulations, published for the end of every week only."""

FamilyMapper = Callable[
    [Callable[[ClusterJob], ClusterOutcome], Sequence[ClusterJob]], Iterable[ClusterOutcome]
]
"""Applies a function to every cluster and yields the results in order (``map``, or a pool's)."""


@dataclass(frozen=True, slots=True)
class PreviousRelease:
    """The release published before: its dates, exact LTLA tables and disclosure state."""

    dates: tuple[date, ...]
    exact: Mapping[CellKey, ExactTable]
    policy: str
    levels: Mapping[RowKey, int]
    first_shown: Mapping[RowKey, int]
    shown_until: Mapping[RowKey, int] = field(default_factory=dict)


@dataclass(slots=True)
class ReleaseTables:
    """Everything a release publishes, plus what disclosure control did to get there."""

    tables: list[PublishedTable] = field(default_factory=list)
    exact: dict[CellKey, ExactTable] = field(default_factory=dict)
    levels: dict[RowKey, int] = field(default_factory=dict)
    first_shown: dict[RowKey, int] = field(default_factory=dict)
    shown_until: dict[RowKey, int] = field(default_factory=dict)
    failing: list[str] = field(default_factory=list)
    exposed_cells: int = 0
    protected_cells: int = 0
    loss: list[dict[str, object]] = field(default_factory=list)
    headline_blank_dates: int = 0

    @property
    def passed(self) -> bool:
        """True when the audit pinned no protected count."""
        return not self.failing


def date_range(first: date, last: date) -> tuple[date, ...]:
    """Every day from first to last inclusive."""
    return tuple(first + timedelta(days=i) for i in range((last - first).days + 1))


def build_tables(
    cells: Cells,
    *,
    areas: AreaRegistry,
    breakdowns: Sequence[str],
    policy: Policy,
    dates: tuple[date, ...],
    doses: Sequence[int] = DOSES,
    previous: PreviousRelease | None = None,
    protection_width: int = 5,
    mapper: FamilyMapper = map,
) -> ReleaseTables:
    """Protect every cluster and the headline family; collect the published tables."""
    exact = ltla_tables(cells, areas, breakdowns, dates, doses)
    extra = (len(previous.dates) - 1,) if previous and previous.dates[0] == dates[0] else ()
    specs = _specs(exact, areas, breakdowns, dates, doses, extra)
    earlier = None
    if previous is not None and previous.dates[0] == dates[0]:
        old_specs = _specs(previous.exact, areas, breakdowns, previous.dates, doses, ())
        earlier = Earlier(
            old_specs, previous.policy, previous.levels, previous.first_shown, previous.shown_until
        )
    regions = {r.code: tuple(areas.ltla_codes_in(r.code)) for r in areas.regions()}
    protected = protect_all(
        specs,
        policy_name=policy.name,
        links_of=area_links,
        regions=regions,
        england=ENGLAND,
        protection_width=protection_width,
        earlier=earlier,
        mapper=mapper,
    )
    daily = [b for b in breakdowns if b not in WEEKLY_ONLY]
    weekly = [b for b in breakdowns if b in WEEKLY_ONLY]
    series = release_tables(protected, daily, weekly)
    out = ReleaseTables(exact=dict(exact))
    out.tables = [_published(s, dates[0]) for s in series]
    out.loss = [loss.as_dict() for loss in loss_by_breakdown(series, policy.bases[0])]
    out.headline_blank_dates = headline_blank_dates(series)
    _collect_state(out, protected)
    return out


def ltla_tables(
    cells: Cells,
    areas: AreaRegistry,
    breakdowns: Sequence[str],
    dates: tuple[date, ...],
    doses: Sequence[int],
) -> dict[CellKey, ExactTable]:
    """Exact daily tables ``[groups × dates]`` of every LTLA, dose and breakdown."""
    out: dict[CellKey, ExactTable] = {}
    first, width = dates[0], len(dates)
    for area in areas.ltlas():
        for dose in doses:
            for b in breakdowns:
                table = cells.get((area.code, dose, b), {})
                base = BREAKDOWNS[b].groups(area.code)
                seen = sorted({g for (_, g) in table} - set(base))
                groups = (*base, *seen)
                row = {g: i for i, g in enumerate(groups)}
                matrix = np.zeros((len(groups), width), dtype=np.int64)
                for (day, group), count in table.items():
                    col = (day - first).days
                    if 0 <= col < width:
                        matrix[row[group], col] += count
                out[(area.code, dose, b)] = (groups, matrix)
    return out


def _specs(
    exact: Mapping[CellKey, ExactTable],
    areas: AreaRegistry,
    breakdowns: Sequence[str],
    dates: tuple[date, ...],
    doses: Sequence[int],
    extra: Sequence[int],
) -> list[ClusterSpec]:
    daily = tuple(b for b in ("none", *breakdowns) if b not in WEEKLY_ONLY)
    weekly = tuple(dict.fromkeys(("none", *breakdowns)))
    columns = week_ends(dates[0], len(dates), extra)
    specs = []
    for utla in areas.utlas():
        lowers = tuple(areas.ltla_codes_in(utla.code))
        tables = {k: v for k, v in exact.items() if k[0] in lowers and k[1] in doses}
        upper = None if lowers == (utla.code,) else utla.code
        specs.append(
            ClusterSpec(
                upper,
                lowers,
                tables,
                len(dates),
                columns,
                tuple(doses),
                tuple(dict.fromkeys(daily)),
                weekly,
                {},
            )
        )
    return specs


def _published(series: SeriesTable, first: date) -> PublishedTable:
    def optional(matrix: np.ndarray) -> tuple[tuple[int | None, ...], ...]:
        return tuple(tuple(None if v == BLANK else v for v in row) for row in matrix.tolist())

    every_day = len(series.dates) and int(series.dates[-1]) == len(series.dates) - 1
    return PublishedTable(
        area=series.area,
        dose=series.dose,
        breakdown=series.breakdown,
        first_date=first,
        groups=series.groups,
        new=optional(series.new),
        cumulative=optional(series.cumulative),
        columns=() if every_day else tuple(int(d) for d in series.dates),
        rounding=series.rounding,
        max_error=series.max_error,
        withheld=series.withheld,
    )


def _collect_state(out: ReleaseTables, protected: Protected) -> None:
    out.levels.update(protected.headline.levels)
    out.first_shown.update(protected.headline.first_shown)
    for outcome in protected.clusters:
        own = {*outcome.spec.lowers, outcome.spec.upper}
        out.levels.update({k: v for k, v in outcome.result.levels.items() if k[0] in own})
        out.first_shown.update({k: v for k, v in outcome.result.first_shown.items() if k[0] in own})
        out.shown_until.update({k: v for k, v in outcome.result.shown_until.items() if k[0] in own})
        label = outcome.spec.upper or outcome.spec.lowers[0]
        for part in outcome.result.parts:
            out.protected_cells += int(part.protected.sum())
            out.exposed_cells += part.exposed_cells
        if not outcome.result.passed:
            out.failing.append(label)
    if not protected.headline.passed:
        out.failing.append("headline totals")
        out.exposed_cells += sum(p.exposed_cells for p in protected.headline.parts)
