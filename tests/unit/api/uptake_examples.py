"""Hand-made published tables for the uptake tests (values as a release would publish them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from services.api.uptake import PublishedCounts
from services.releases.model import PublishedTable

HAMMERSMITH = "E09000013"
FIRST = date(2021, 6, 1)


def table(breakdown: str, cumulative: Mapping[str, Sequence[int | None]]) -> PublishedTable:
    """One published table of H&F, dose 1, with these cumulative series (daily left blank)."""
    width = len(next(iter(cumulative.values())))
    return PublishedTable(
        area=HAMMERSMITH,
        dose=1,
        breakdown=breakdown,
        first_date=FIRST,
        groups=tuple(cumulative),
        new=tuple((None,) * width for _ in cumulative),
        cumulative=tuple(tuple(series) for series in cumulative.values()),
    )


def counts(*tables: PublishedTable) -> PublishedCounts:
    """The tables an answer reads, one per breakdown."""
    return PublishedCounts({t.breakdown: [t] for t in tables}, tables[0].dates)
