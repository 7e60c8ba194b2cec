"""Uptake from published counts over a stated population (pure: no I/O).

The count is always a published cumulative count, or a sum of them: a group's own cell, or
the cells that make up its count over the chosen ages (everyone aged 16+ is the age bands from
16-17 up; an ethnic group aged 50+ is its age × ethnic group cells from 50-54 up). Where one
of those cells is suppressed, the same count is the group's whole (everyone; the ethnic
group) less the published cells outside the ages, if they are all published. Sums and
differences of published numbers reveal nothing new. Where neither can be formed the uptake is
withheld (``part_suppressed``), never shown as a partial sum. Daily counts are never used.

The population is public reference data (``services.reference``), shown as published. The
percentage is count / population × 100 to one decimal place, rounded half up, shown as it is
even above 100 (flagged: list inflation or a count and a population that do not match).
Where the breakdown's populations exist from both ONS and NIMS and the two percentages differ
by more than ``DISAGREEMENT_POINTS``, the other one is given beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from services.reference import breakdown_populations as rules
from services.reference.age_ranges import AgeRange
from services.reference.denominators import Denominators, NoPopulation, Population, Source
from services.releases.model import PublishedTable

DISAGREEMENT_POINTS = 3.0
"""ONS and NIMS uptakes further apart than this (percentage points) are both shown."""

SUPPRESSED = "suppressed"
PART_SUPPRESSED = "part_suppressed"
NOT_PUBLISHED = "count_not_published"
WEEK_ENDS_ONLY = "count_published_for_week_ends"
"""The count comes from a table published for the end of every week only (the fine
cross-tabulations), so a daily series has it on those dates alone."""
ZERO_POPULATION = "zero_population"
_OTHER_SOURCE = {Source.ONS: Source.NIMS, Source.NIMS: Source.ONS}


@dataclass(frozen=True, eq=False)
class Counts:
    """A published cumulative series: values per date and where it is withheld.

    ``unpublished`` marks dates a table it comes from has no column for (a weekly table read
    for a daily series); those dates are withheld too.
    """

    values: np.ndarray
    withheld: np.ndarray
    unpublished: np.ndarray | None = None

    def at(self, d: int) -> int | None:
        """The value on date index d, or None where withheld."""
        return None if self.withheld[d] else int(self.values[d])


class PublishedCounts:
    """The published tables of one area and dose that an answer reads, by breakdown.

    A breakdown may have several tables: a region publishes its headline only, so its counts
    by age are the sums of its upper-tier areas' published cells.
    """

    def __init__(
        self, tables: Mapping[str, Sequence[PublishedTable]], dates: Sequence[date]
    ) -> None:
        self._tables = tables
        self._dates = list(dates)
        self._width = len(self._dates)
        self._arrays: dict[str, list[_Aligned]] = {}

    def _read(self, breakdown: str) -> list[_Aligned]:
        """Per table: row of each group, its cumulative counts on the answer's dates, where
        they are blank, and which of the answer's dates the table has no column for."""
        found = self._arrays.get(breakdown)
        if found is None:
            found = []
            for table in self._tables.get(breakdown, ()):
                column = {d: c for c, d in enumerate(table.dates)}
                cols = np.array([column.get(d, -1) for d in self._dates], dtype=np.intp)
                rows = [[-1 if v is None else v for v in row] for row in table.cumulative]
                width = len(table.dates)
                values = np.array(rows, dtype=np.int64).reshape(len(rows), width)
                values = np.where(cols >= 0, values[:, np.maximum(cols, 0)], -1)
                index = {g: i for i, g in enumerate(table.groups)}
                found.append(_Aligned(index, np.maximum(values, 0), values < 0, cols < 0))
            self._arrays[breakdown] = found
        return found

    def last_published(self, breakdown: str, upto: int) -> int:
        """The last date index up to ``upto`` that every table of ``breakdown`` has a column
        for (a weekly table's last week end), or -1."""
        tables = self._read(breakdown)
        if not tables:
            return -1
        unpublished = np.logical_or.reduce([t.unpublished for t in tables])
        shown = np.flatnonzero(~unpublished[: upto + 1])
        return int(shown[-1]) if len(shown) else -1

    def counts(self, breakdown: str, groups: Sequence[str]) -> Counts | None:
        """The sum of these groups' published cumulative counts (None if not published)."""
        tables = self._read(breakdown)
        if not tables:
            return None
        values = np.zeros(self._width, dtype=np.int64)
        withheld = np.zeros(self._width, dtype=bool)
        unpublished = np.zeros(self._width, dtype=bool)
        for table in tables:
            found = [table.index.get(group) for group in groups]
            rows = [row for row in found if row is not None]
            if len(rows) < len(found):
                return None
            values += table.cumulative[rows].sum(axis=0)
            withheld |= table.blank[rows].any(axis=0)
            unpublished |= table.unpublished
        return Counts(values, withheld | unpublished, unpublished)


@dataclass(frozen=True, eq=False)
class _Aligned:
    index: dict[str, int]
    cumulative: np.ndarray
    blank: np.ndarray
    unpublished: np.ndarray


@dataclass(frozen=True, eq=False)
class Comparison:
    """The same uptake over the other source's population, where the two disagree."""

    population: Population
    percent: np.ndarray
    disagrees: np.ndarray


@dataclass(frozen=True, eq=False)
class GroupUptake:
    """One group's uptake series and everything a reader needs to judge it."""

    group: str
    ages: AgeRange
    """The ages of the population (the group's band, for age breakdowns)."""
    numerator: Counts | None
    numerator_ages: AgeRange | None
    """Ages the count covers; None when it counts every age."""
    population: Population | NoPopulation
    percent: np.ndarray
    """Uptake % per date (NaN where withheld)."""
    reason: np.ndarray
    """Why withheld, per date ("" where shown)."""
    below: Counts | None
    """People vaccinated in the area younger than the population (all-ages counts only)."""
    comparison: Comparison | None

    @property
    def population_value(self) -> int | None:
        """The population figure, or None."""
        return self.population.value if isinstance(self.population, Population) else None

    def percent_at(self, d: int) -> float | None:
        """Uptake % on date index d, or None where withheld."""
        value = float(self.percent[d])
        return None if np.isnan(value) else value


def percentages(counts: np.ndarray, population: int) -> np.ndarray:
    """count / population × 100 to one decimal place, rounded half up (integer arithmetic)."""
    if population <= 0:
        return np.full(counts.shape, np.nan)
    tenths = (counts.astype(np.int64) * 2000 + population) // (2 * population)
    return tenths / 10.0


def group_uptake(
    published: PublishedCounts,
    denominators: Denominators,
    *,
    breakdown: str,
    group: str,
    ltla_codes: tuple[str, ...],
    ages: AgeRange,
    source: Source | None,
    width: int,
    every_age: bool = False,
) -> GroupUptake:
    """The uptake of one group of a (checked) query, per date.

    ``every_age`` counts the group's own cell of every age whatever the ages (the area's
    figure beside groups whose counts are of every age, so the two compare like with like).
    """
    plan = rules.numerator(breakdown, group, ages)
    if every_age:
        plan = rules.Numerator(breakdown, (group,), None)
    numerator = numerator_counts(published, plan)
    population = rules.population(denominators, breakdown, group, ltla_codes, ages, source)
    percent, reason = _percent(numerator, population, single=len(plan.groups) == 1, width=width)
    below = None
    if plan.ages is None and ages.lo > 0:
        below = published.counts("age_band", rules.below(ages))
    comparison = None
    other = _OTHER_SOURCE.get(source) if source is not None else None
    if other in rules.RULES[breakdown].sources and isinstance(population, Population):
        alternative = rules.population(denominators, breakdown, group, ltla_codes, ages, other)
        if isinstance(alternative, Population) and numerator is not None:
            theirs, _ = _percent(numerator, alternative, single=True, width=width)
            with np.errstate(invalid="ignore"):
                disagrees = np.abs(theirs - percent) > DISAGREEMENT_POINTS
            comparison = Comparison(alternative, theirs, disagrees)
    return GroupUptake(
        group=group,
        ages=rules.group_ages(breakdown, group) or ages,
        numerator=numerator,
        numerator_ages=plan.ages,
        population=population,
        percent=percent,
        reason=reason,
        below=below,
        comparison=comparison,
    )


def numerator_counts(published: PublishedCounts, plan: rules.Numerator) -> Counts | None:
    """The sum of the cells inside the ages; where one of them is suppressed, the whole less
    the cells outside the ages (the same number, from other published cells) if all of those
    are published. Withheld only where neither can be formed."""
    inside = published.counts(plan.breakdown, plan.groups)
    if plan.whole is None or (inside is not None and not inside.withheld.any()):
        return inside
    whole_breakdown, whole_group = plan.whole
    whole = published.counts(whole_breakdown, (whole_group,))
    outside = published.counts(plan.breakdown, plan.outside) if plan.outside else None
    if whole is None or (plan.outside and outside is None):
        return inside
    values = whole.values - (outside.values if outside is not None else 0)
    withheld = whole.withheld | (outside.withheld if outside is not None else False)
    if inside is None:
        return Counts(values, withheld, whole.unpublished)
    use = inside.withheld & ~withheld
    return Counts(
        np.where(use, values, inside.values),
        np.where(use, False, inside.withheld),
        None if inside.unpublished is None else inside.unpublished & ~use,
    )


def _percent(
    numerator: Counts | None,
    population: Population | NoPopulation,
    *,
    single: bool,
    width: int,
) -> tuple[np.ndarray, np.ndarray]:
    reason = np.full(width, "", dtype=object)
    if numerator is None:
        reason[:] = NOT_PUBLISHED
        return np.full(width, np.nan), reason
    if isinstance(population, NoPopulation):
        reason[:] = population.reason.value
        return np.full(width, np.nan), reason
    if population.value <= 0:
        reason[:] = ZERO_POPULATION
        return np.full(width, np.nan), reason
    percent = percentages(numerator.values, population.value)
    percent[numerator.withheld] = np.nan
    reason[numerator.withheld] = SUPPRESSED if single else PART_SUPPRESSED
    if numerator.unpublished is not None:
        reason[numerator.unpublished] = WEEK_ENDS_ONLY
    return percent, reason
