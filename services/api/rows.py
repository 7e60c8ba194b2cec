"""Published tables to flat rows with stable columns, the shape of every JSON and CSV answer.

Nothing here computes a new count: each row carries a published value (None where suppressed)
and its uptake over a stated population (``services.api.uptake``): the population, its ages
and source, the count the uptake divides (the row's own cumulative count, or a sum of
published cells for the chosen ages) and, where a count cannot be restricted to those ages,
how many people outside them were vaccinated in the area.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.api.uptake import GroupUptake
from services.reference.denominators import Population
from services.releases.model import PublishedTable

COLUMNS: tuple[str, ...] = (
    "date",
    "area_code",
    "area_name",
    "dose",
    "breakdown",
    "group",
    "new",
    "new_suppressed",
    "cumulative",
    "cumulative_suppressed",
    "population",
    "uptake_percent",
    "release_id",
    "population_ages",
    "population_source",
    "population_estimated",
    "uptake_numerator",
    "uptake_numerator_ages",
    "uptake_withheld_reason",
    "uptake_above_100",
    "vaccinated_outside_ages",
    "comparison_source",
    "comparison_population",
    "comparison_uptake_percent",
    "new_period_start",
    "rounded_to",
    "max_error",
    "withheld",
    "group_name",
)
"""Column order of every vaccinations answer; new columns are only ever appended."""


Day = date
"""A date (the name ``date`` is a field of ``Row``)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One area × dose × group × date of a release, with its uptake."""

    date: date
    area_code: str
    area_name: str
    dose: int
    breakdown: str
    group: str
    new: int | None
    new_suppressed: bool
    cumulative: int | None
    cumulative_suppressed: bool
    population: int | None
    uptake_percent: float | None
    release_id: int
    population_ages: str
    population_source: str | None
    population_estimated: bool
    uptake_numerator: int | None
    uptake_numerator_ages: str
    uptake_withheld_reason: str | None
    uptake_above_100: bool
    vaccinated_outside_ages: int | None
    comparison_source: str | None
    comparison_population: int | None
    comparison_uptake_percent: float | None
    new_period_start: Day | None
    """First day ``new`` counts (the previous column's date + 1, or the programme's start
    where it is a group's first figure after blanks); None where ``new`` is blank."""
    rounded_to: int | None
    """The group's rounding step; None where it is the sum of other groups' figures."""
    max_error: int | None
    """The most a figure of the group may differ from the true count."""
    withheld: bool
    """The group is blank throughout, to protect other figures."""
    group_name: str | None
    """The group's name where the group is a code (an MSOA's name), else None."""

    def as_dict(self) -> dict[str, object]:
        """The row as a JSON object, in column order."""
        out: dict[str, object] = {name: getattr(self, name) for name in COLUMNS}
        out["date"] = self.date.isoformat()
        start = self.new_period_start
        out["new_period_start"] = None if start is None else start.isoformat()
        return out


def date_window(table: PublishedTable, start: date | None, end: date | None) -> range:
    """Indices of the table's columns dated inside [start, end] (both optional, inclusive)."""
    dates = table.dates
    lo = 0 if start is None else bisect_left(dates, start)
    hi = len(dates) if end is None else bisect_right(dates, end)
    return range(lo, max(lo, hi))


def count_rows(table: PublishedTable, start: date | None, end: date | None) -> int:
    """How many rows a table yields inside the window (cheap: no rows are built)."""
    return len(table.groups) * len(date_window(table, start, end))


def table_rows(
    table: PublishedTable,
    uptakes: Sequence[GroupUptake],
    *,
    area_name: str,
    release_id: int,
    start: date | None = None,
    end: date | None = None,
    name_of: Callable[[str], str | None] | None = None,
) -> Iterator[Row]:
    """Rows of one table (``uptakes`` in its group order), group by group, dates in order.

    ``name_of`` names a group that is a code (an MSOA's name)."""
    window = date_window(table, start, end)
    dates = table.dates
    starts = [table.first_date, *(d + timedelta(days=1) for d in dates[:-1])]
    for g, group in enumerate(table.groups):
        u = uptakes[g]
        new_row, cum_row = table.new[g], table.cumulative[g]
        rounded = table.rounding[g] if table.rounding else None
        error = table.max_error[g] if table.max_error else None
        withheld = bool(table.withheld[g]) if table.withheld else False
        population = u.population if isinstance(u.population, Population) else None
        name = None if name_of is None else name_of(group)
        for d in window:
            pct = u.percent_at(d)
            other = u.comparison if u.comparison and u.comparison.disagrees[d] else None
            yield Row(
                date=dates[d],
                area_code=table.area,
                area_name=area_name,
                dose=table.dose,
                breakdown=table.breakdown,
                group=group,
                new=new_row[d],
                new_suppressed=new_row[d] is None,
                cumulative=cum_row[d],
                cumulative_suppressed=cum_row[d] is None,
                population=None if population is None else population.value,
                uptake_percent=pct,
                release_id=release_id,
                population_ages=u.ages.label,
                population_source=None if population is None else population.source.value,
                population_estimated=population is not None and population.estimated,
                uptake_numerator=None if u.numerator is None else u.numerator.at(d),
                uptake_numerator_ages="all" if u.numerator_ages is None else u.numerator_ages.label,
                uptake_withheld_reason=u.reason[d] or None,
                uptake_above_100=pct is not None and pct > 100,
                vaccinated_outside_ages=None if u.below is None else u.below.at(d),
                comparison_source=None if other is None else other.population.source.value,
                comparison_population=None if other is None else other.population.value,
                comparison_uptake_percent=None if other is None else float(other.percent[d]),
                new_period_start=_period_start(new_row, cum_row, d, starts, table.first_date),
                rounded_to=rounded or None,
                max_error=error,
                withheld=withheld,
                group_name=name,
            )


def _period_start(
    new_row: Sequence[int | None],
    cum_row: Sequence[int | None],
    d: int,
    starts: Sequence[date],
    first: date,
) -> date | None:
    if new_row[d] is None:
        return None
    after_blank = d > 0 and cum_row[d - 1] is None
    return first if after_blank else starts[d]
