"""The "who are we missing" view: latest uptake of every group within one population, ranked.

Groups are compared over the same ages and source as the area (16+ by default): a group's
uptake on the release's last date, the area's uptake over the same population, and the gap.
Where the breakdown's counts are published by age (ethnic groups), groups are ranked by their
directly age-standardised uptake, shown beside the crude one, so a young group is not flagged
for being young; elsewhere by the crude uptake. Groups whose ranking figure is withheld come
after the ranked ones, with the reason. Every number is a published count, a sum of them, or
a percentage of them over public reference populations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from services.api.age_standardisation import Standardised
from services.api.uptake import (
    NOT_PUBLISHED,
    PART_SUPPRESSED,
    SUPPRESSED,
    ZERO_POPULATION,
    GroupUptake,
)
from services.reference.denominators import NoPopulation, Population

_DETAILS = {
    SUPPRESSED: "the count is blank on this date: most blanks protect other published "
    "figures (a small count next to them); a group blank on every date may also have fewer "
    "than 8 people",
    PART_SUPPRESSED: "a published count this figure adds up is blank on this date (most "
    "blanks protect other published figures, not a small group)",
    NOT_PUBLISHED: "the release does not publish the counts this figure needs",
    ZERO_POPULATION: "the population is 0",
}


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """One group's latest uptake beside the area's, over the same population."""

    dose: int
    group: str
    date: str
    cumulative: int | None
    cumulative_suppressed: bool
    population: int | None
    uptake_percent: float | None
    area_uptake_percent: float | None
    gap_percentage_points: float | None
    rank: int | None
    withheld_reason: str | None
    population_ages: str
    population_source: str | None
    population_estimated: bool
    uptake_numerator: int | None
    uptake_numerator_ages: str
    uptake_above_100: bool
    vaccinated_outside_ages: int | None
    age_standardised_uptake_percent: float | None
    area_age_standardised_uptake_percent: float | None
    age_standardised_gap_percentage_points: float | None
    age_standardised_withheld_reason: str | None
    comparison_source: str | None
    comparison_population: int | None
    comparison_uptake_percent: float | None
    withheld_detail: str | None
    last_published_date: str | None
    """Where the uptake is withheld on the release's last date: the latest date it is shown."""
    last_published_cumulative: int | None
    last_published_uptake_percent: float | None

    def as_dict(self) -> dict[str, object]:
        """The entry as a JSON object, in field order."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _gap(value: float | None, base: float | None) -> float | None:
    return round(value - base, 1) if value is not None and base is not None else None


WITHHELD_GROUP = (
    "the group is withheld on every date to protect other published figures (it is not "
    "necessarily small)"
)


def _detail(u: GroupUptake, reason: str | None, withheld: bool) -> str | None:
    if reason is None:
        return None
    if isinstance(u.population, NoPopulation) and reason == u.population.reason.value:
        return u.population.detail
    if withheld and reason == SUPPRESSED:
        return WITHHELD_GROUP
    return _DETAILS.get(reason, reason)


def _last_shown(u: GroupUptake, last: int) -> int | None:
    """The latest date index up to ``last`` whose uptake is shown."""
    for d in range(last, -1, -1):
        if u.percent_at(d) is not None:
            return d
    return None


def summarise(
    table_dose: int,
    table_groups: Sequence[str],
    cumulative: Sequence[int | None],
    uptakes: Sequence[GroupUptake],
    area: GroupUptake,
    *,
    last: int,
    date: str,
    standardised: Mapping[str, Standardised] | None = None,
    area_standardised: Standardised | None = None,
    series: Sequence[Sequence[int | None]] = (),
    dates: Sequence[str] = (),
    withheld_groups: Sequence[bool] = (),
) -> list[GroupSummary]:
    """Every group on date index ``last``: ranked ones first (lowest uptake), withheld last.

    ``cumulative`` is each group's own published count on that date; with ``standardised``
    the groups are ranked by their age-standardised uptake. Where a group's uptake is
    withheld on that date, its latest shown uptake comes from ``series`` (each group's
    published cumulative counts) on ``dates``; ``withheld_groups`` marks groups blank on
    every date to protect other figures.
    """
    overall = area.percent_at(last) if last >= 0 else None
    overall_std = area_standardised.percent if area_standardised else None
    ranked: list[tuple[float, GroupSummary]] = []
    withheld: list[GroupSummary] = []
    for g, group in enumerate(table_groups):
        u = uptakes[g]
        pct = u.percent_at(last) if last >= 0 else None
        reason = (u.reason[last] or None) if last >= 0 else NOT_PUBLISHED
        std = standardised.get(group) if standardised is not None else None
        other = (
            u.comparison if u.comparison and last >= 0 and u.comparison.disagrees[last] else None
        )
        population = u.population if isinstance(u.population, Population) else None
        shown = _last_shown(u, last) if pct is None and dates else None
        entry = GroupSummary(
            dose=table_dose,
            group=group,
            date=date,
            cumulative=cumulative[g],
            cumulative_suppressed=cumulative[g] is None,
            population=None if population is None else population.value,
            uptake_percent=pct,
            area_uptake_percent=overall,
            gap_percentage_points=_gap(pct, overall),
            rank=None,
            withheld_reason=reason,
            population_ages=u.ages.label,
            population_source=None if population is None else population.source.value,
            population_estimated=population is not None and population.estimated,
            uptake_numerator=None if u.numerator is None or last < 0 else u.numerator.at(last),
            uptake_numerator_ages="all" if u.numerator_ages is None else u.numerator_ages.label,
            uptake_above_100=pct is not None and pct > 100,
            vaccinated_outside_ages=None if u.below is None or last < 0 else u.below.at(last),
            age_standardised_uptake_percent=None if std is None else std.percent,
            area_age_standardised_uptake_percent=overall_std if std is not None else None,
            age_standardised_gap_percentage_points=_gap(
                None if std is None else std.percent, overall_std
            ),
            age_standardised_withheld_reason=None if std is None else std.reason,
            comparison_source=None if other is None else other.population.source.value,
            comparison_population=None if other is None else other.population.value,
            comparison_uptake_percent=None if other is None else float(other.percent[last]),
            withheld_detail=_detail(u, reason, bool(withheld_groups and withheld_groups[g])),
            last_published_date=None if shown is None else dates[shown],
            last_published_cumulative=None if shown is None else series[g][shown],
            last_published_uptake_percent=None if shown is None else u.percent_at(shown),
        )
        key = pct if standardised is None else (None if std is None else std.percent)
        if key is None:
            withheld.append(entry)
        else:
            ranked.append((key, entry))
    ranked.sort(key=lambda pair: (pair[0], pair[1].group))
    return [replace(e, rank=i + 1) for i, (_, e) in enumerate(ranked)] + withheld
