"""The exact counts a correct aggregator must reach for a feed whose ground truth is known.

Counts are keyed ``(ltla_code, vaccination_date, dose_number, breakdown, group)``, the same
cells the aggregator keeps, and zero cells are omitted. They are built from the final event of
every real vaccination, so duplicates (counted once), corrections (the corrected values
replace the original) and retractions (the retracted entry counts nowhere) are already
resolved, and invalid records never enter.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from typing import IO

from services.contract.events import VaccinationEvent
from services.reference.breakdowns import DEFAULT_BREAKDOWNS, select_breakdowns

CellKey = tuple[str, date, int, str, str]
CSV_COLUMNS = ("ltla_code", "vaccination_date", "dose_number", "breakdown", "group", "count")


@dataclass(frozen=True)
class ExpectedCounts:
    """Exact daily counts per LTLA, date, dose, breakdown and group."""

    counts: Mapping[CellKey, int]

    @classmethod
    def from_events(
        cls, events: Iterable[VaccinationEvent], breakdowns: Iterable[str] | None = None
    ) -> ExpectedCounts:
        """Count events that are each counted once, in every breakdown."""
        selected = select_breakdowns(DEFAULT_BREAKDOWNS if breakdowns is None else breakdowns)
        events = list(events)
        ltlas = [e.ltla_code for e in events]
        days = [e.vaccination_date for e in events]
        doses = [e.dose_number for e in events]
        counter: Counter[CellKey] = Counter()
        for breakdown in selected:
            # Counter counts an iterable in C: one pass per breakdown over prebuilt columns.
            groups = map(breakdown.group_of, events)
            counter.update(zip(ltlas, days, doses, repeat(breakdown.name), groups))
        return cls({key: n for key, n in counter.items() if n})

    def total(self, *, ltla_code: str | None = None, dose_number: int | None = None) -> int:
        """Number of counted vaccinations, optionally for one LTLA and/or dose."""
        return sum(
            n
            for (ltla, _, dose, breakdown, _), n in self.counts.items()
            if breakdown == "none"
            and (ltla_code is None or ltla == ltla_code)
            and (dose_number is None or dose == dose_number)
        )

    def write_csv(self, fileobj: IO[str]) -> None:
        """Write the counts as CSV, sorted, one cell per row."""
        out = csv.writer(fileobj, lineterminator="\n")
        out.writerow(CSV_COLUMNS)
        for (ltla, day, dose, breakdown, group), n in sorted(self.counts.items()):
            out.writerow((ltla, day.isoformat(), dose, breakdown, group, n))
