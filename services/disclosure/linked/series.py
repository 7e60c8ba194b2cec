"""The tables a protected release publishes, read off the protected families.

Per area, dose and breakdown: the groups, the dates of the table's grid (every day, or the
end of every week for the fine cross-tabulations), the published cumulative counts (``None``
where blank), ``new`` as their differences, and per group the rounding step, the largest
difference from the truth a figure may have, and whether the group is withheld. The exact
cumulative counts travel alongside for the release's internal records (the next release's
audit and the information-loss figures); they are never published.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from services.disclosure.linked.assemble import AssembledFamily
from services.disclosure.linked.joint import JointResult, PartResult
from services.disclosure.linked.model import LinkedFamily
from services.disclosure.linked.national import Protected
from services.disclosure.linked.publication import BLANK, derived_new


@dataclass(frozen=True, eq=False)
class SeriesTable:
    """One area × dose × breakdown of a release (see the module docstring)."""

    area: str
    dose: int
    breakdown: str
    groups: tuple[str, ...]
    dates: np.ndarray
    """Global day index of each column."""
    cumulative: np.ndarray
    """``[groups × dates]``, ``BLANK`` where blank."""
    new: np.ndarray
    """``[groups × dates]``: differences of the published cumulative counts."""
    includes_earlier: np.ndarray
    """Where ``new`` is a group's first figure after blanks (it covers earlier days too)."""
    rounding: tuple[int, ...]
    """Rounding step of each group; 0 for a group shown as the sum of other groups."""
    max_error: tuple[int, ...]
    withheld: tuple[bool, ...]
    exact: np.ndarray
    """Exact cumulative counts ``[groups × dates]`` (internal: never published)."""


def _tables(
    assembled: AssembledFamily, result: PartResult, breakdowns: Sequence[str]
) -> Iterator[SeriesTable]:
    publication = result.publication
    family = result.part.family
    dates = result.part.rule.col_dates
    for (area, dose, breakdown), (groups, rows) in assembled.tables.items():
        if breakdown not in breakdowns:
            continue
        idx = list(rows)
        values = publication.values[idx]
        new, earlier = derived_new(values)
        yield SeriesTable(
            area=area,
            dose=dose,
            breakdown=breakdown,
            groups=groups,
            dates=dates,
            cumulative=values,
            new=new,
            includes_earlier=earlier,
            rounding=tuple(int(publication.base[r]) for r in idx),
            max_error=tuple(int(publication.max_error[r]) for r in idx),
            withheld=tuple(bool(publication.withheld[r]) for r in idx),
            exact=family.exact[idx],
        )


def _headline_tables(
    family: LinkedFamily, result: JointResult, areas: set[str]
) -> Iterator[SeriesTable]:
    part = result.parts[0]
    publication = part.publication
    for row, (area, dose, breakdown, group) in enumerate(family.keys):
        if area not in areas:
            continue
        values = publication.values[row : row + 1]
        new, earlier = derived_new(values)
        yield SeriesTable(
            area=area,
            dose=dose,
            breakdown=breakdown,
            groups=(group,),
            dates=part.part.rule.col_dates,
            cumulative=values,
            new=new,
            includes_earlier=earlier,
            rounding=(int(publication.base[row]),),
            max_error=(int(publication.max_error[row]),),
            withheld=(bool(publication.withheld[row]),),
            exact=family.exact[row : row + 1],
        )


def release_tables(
    protected: Protected, daily: Sequence[str], weekly_only: Sequence[str]
) -> list[SeriesTable]:
    """Every published table: clusters' daily and weekly-only tables, region and England."""
    out: list[SeriesTable] = []
    cluster_areas: set[str] = set()
    for outcome in protected.clusters:
        cluster_areas.update(outcome.spec.lowers)
        if outcome.spec.upper is not None:
            cluster_areas.add(outcome.spec.upper)
        daily_result, weekly_result = outcome.result.parts
        out.extend(_tables(outcome.parts.daily, daily_result, daily))
        out.extend(_tables(outcome.parts.weekly, weekly_result, weekly_only))
    others = {key[0] for key in protected.headline_family.keys} - cluster_areas
    out.extend(_headline_tables(protected.headline_family, protected.headline, others))
    return out


def blank(table: SeriesTable) -> np.ndarray:
    """Mask of a table's blank cumulative cells."""
    return np.asarray(table.cumulative == BLANK)
