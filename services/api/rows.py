"""Published tables to flat rows with stable columns, the shape of every JSON and CSV answer.

Nothing here computes a new count: each row carries a published value (None where suppressed)
and the uptake % the disclosure policy derives from published numbers only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np

from services.disclosure.policy import Policy
from services.disclosure.published import PublishedArray
from services.disclosure.uptake import uptake_percent
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
)
"""Column order of every vaccinations answer; new columns are only ever appended."""


@dataclass(frozen=True, slots=True)
class Row:
    """One area × dose × group × date of a release."""

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

    def as_dict(self) -> dict[str, object]:
        """The row as a JSON object, in column order."""
        return {
            "date": self.date.isoformat(),
            "area_code": self.area_code,
            "area_name": self.area_name,
            "dose": self.dose,
            "breakdown": self.breakdown,
            "group": self.group,
            "new": self.new,
            "new_suppressed": self.new_suppressed,
            "cumulative": self.cumulative,
            "cumulative_suppressed": self.cumulative_suppressed,
            "population": self.population,
            "uptake_percent": self.uptake_percent,
            "release_id": self.release_id,
        }


def date_window(table: PublishedTable, start: date | None, end: date | None) -> range:
    """Indices of the table's dates inside [start, end] (both optional, inclusive)."""
    width = len(table.new[0]) if table.new else 0
    lo = 0 if start is None else max(0, (start - table.first_date).days)
    hi = width if end is None else min(width, (end - table.first_date).days + 1)
    return range(lo, max(lo, hi))


def count_rows(table: PublishedTable, start: date | None, end: date | None) -> int:
    """How many rows a table yields inside the window (cheap: no rows are built)."""
    return len(table.groups) * len(date_window(table, start, end))


def uptake_matrix(table: PublishedTable, policy: Policy) -> np.ndarray:
    """Uptake % per group × date from the published cumulative counts (NaN where withheld)."""
    cumulative = np.array(
        [[0 if v is None else v for v in row] for row in table.cumulative], dtype=np.int64
    )
    suppressed = np.array([[v is None for v in row] for row in table.cumulative], dtype=bool)
    if cumulative.size == 0:
        return np.zeros(cumulative.shape, dtype=float)
    # No denominator behaves as a zero one: the policy withholds the percentage.
    population = np.array([p or 0 for p in table.population], dtype=np.int64)[:, None]
    published = PublishedArray.from_values(cumulative, suppressed)
    return uptake_percent(published, population, policy)


def table_rows(
    table: PublishedTable,
    *,
    area_name: str,
    release_id: int,
    policy: Policy,
    start: date | None = None,
    end: date | None = None,
) -> Iterator[Row]:
    """Rows of one table, group by group, each group's dates in order."""
    window = date_window(table, start, end)
    if not window:
        return
    uptake = uptake_matrix(table, policy)
    dates = table.dates
    for g, group in enumerate(table.groups):
        new_row, cum_row, pop = table.new[g], table.cumulative[g], table.population[g]
        for d in window:
            pct = float(uptake[g, d])
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
                population=pop,
                uptake_percent=None if math.isnan(pct) else pct,
                release_id=release_id,
            )
