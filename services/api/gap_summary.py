"""The "who are we missing" view: latest uptake of every group, ranked by the gap to the area.

Uses only published numbers: the latest published cumulative count of each group, its
published population, and the area's overall uptake from its headline (breakdown `none`)
table. Groups whose uptake is withheld (suppressed count or no denominator) are listed after
the ranked ones, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.disclosure.policy import Policy
from services.disclosure.uptake import uptake
from services.releases.model import PublishedTable

SUPPRESSED = "suppressed"
NO_DENOMINATOR = "no_denominator"


@dataclass(frozen=True, slots=True)
class GroupUptake:
    """One group's latest uptake beside the area's overall uptake."""

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

    def as_dict(self) -> dict[str, object]:
        """The entry as a JSON object."""
        return {
            "dose": self.dose,
            "group": self.group,
            "date": self.date,
            "cumulative": self.cumulative,
            "cumulative_suppressed": self.cumulative_suppressed,
            "population": self.population,
            "uptake_percent": self.uptake_percent,
            "area_uptake_percent": self.area_uptake_percent,
            "gap_percentage_points": self.gap_percentage_points,
            "rank": self.rank,
            "withheld_reason": self.withheld_reason,
        }


def latest_uptake(table: PublishedTable, group_index: int, policy: Policy) -> float | None:
    """A group's uptake % on the table's last date, or None when withheld."""
    row = table.cumulative[group_index]
    if not row:
        return None
    return uptake(row[-1], table.population[group_index], policy)


def summarise(headline: PublishedTable, table: PublishedTable, policy: Policy) -> list[GroupUptake]:
    """Every group of `table`, lowest uptake relative to the area first; withheld ones last."""
    overall = latest_uptake(headline, 0, policy) if headline.groups else None
    last = table.dates[-1].isoformat() if table.new and table.new[0] else ""
    ranked: list[GroupUptake] = []
    withheld: list[GroupUptake] = []
    for g, group in enumerate(table.groups):
        latest = table.cumulative[g][-1] if table.cumulative[g] else None
        pct = latest_uptake(table, g, policy)
        reason = None
        if pct is None:
            reason = SUPPRESSED if latest is None else NO_DENOMINATOR
        gap = round(pct - overall, 1) if pct is not None and overall is not None else None
        entry = GroupUptake(
            dose=table.dose,
            group=group,
            date=last,
            cumulative=latest,
            cumulative_suppressed=latest is None,
            population=table.population[g],
            uptake_percent=pct,
            area_uptake_percent=overall,
            gap_percentage_points=gap,
            rank=None,
            withheld_reason=reason,
        )
        (withheld if pct is None else ranked).append(entry)
    ranked.sort(key=lambda e: (e.uptake_percent, e.group))
    return [replace(e, rank=i + 1) for i, e in enumerate(ranked)] + withheld
