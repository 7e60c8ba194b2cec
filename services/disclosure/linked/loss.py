"""Information loss of a release: how many people sit in blank cells, and where.

Per breakdown and dose, over every area of the release (and per area on request):

* ``blank_share_latest``: people in blank cumulative cells on the latest date, as a share of
  all people counted on that date;
* ``blank_share_all_dates``: the same over every published date (person-dates);
* ``protective_blank_share_latest`` / ``protective_blank_share_all_dates``: the same, counting
  only blank cells of 8 people or more — blanked to protect other cells, not by the rule that
  hides counts of 1 to 7 (which no release can publish);
* ``large_blank_latest``: groups of at least ``LARGE`` people blank on the latest date;
* ``largest_blank_latest`` / ``largest_blank``: the largest blank count, on the latest date
  and on any date;
* ``coarsened``: groups published at a step coarser than the policy's own, and the share of
  people (latest date) in them.

``share_over_doses`` folds the doses of each breakdown together: the share of all its
person-dates, every dose counted, that sit in blank cells.

These figures use exact counts and are for operators only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from services.disclosure.linked.series import SeriesTable, blank
from services.disclosure.policy import PROTECTED_MAX

LARGE = 100
SHARES = (
    "blank_share_latest",
    "blank_share_all_dates",
    "protective_blank_share_latest",
    "protective_blank_share_all_dates",
)


@dataclass(slots=True)
class Loss:
    """Information-loss figures of one breakdown and dose (see the module docstring)."""

    breakdown: str
    dose: int
    people_latest: int = 0
    blank_latest: int = 0
    person_dates: int = 0
    blank_person_dates: int = 0
    protective_blank_latest: int = 0
    protective_blank_person_dates: int = 0
    large_blank_latest: int = 0
    largest_blank_latest: int = 0
    largest_blank: int = 0
    groups: int = 0
    coarsened: int = 0
    coarsened_people_latest: int = 0
    withheld: int = 0

    @property
    def blank_share_latest(self) -> float:
        return self.blank_latest / self.people_latest if self.people_latest else 0.0

    @property
    def blank_share_all_dates(self) -> float:
        return self.blank_person_dates / self.person_dates if self.person_dates else 0.0

    @property
    def protective_blank_share_latest(self) -> float:
        return self.protective_blank_latest / self.people_latest if self.people_latest else 0.0

    @property
    def protective_blank_share_all_dates(self) -> float:
        if not self.person_dates:
            return 0.0
        return self.protective_blank_person_dates / self.person_dates

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures, shares rounded to 6 places."""
        out = asdict(self)
        for share in SHARES:
            out[share] = round(getattr(self, share), 6)
        return out

    def add(self, table: SeriesTable, base_step: int) -> None:
        """Add one table's figures."""
        mask = blank(table)
        exact = table.exact
        latest = exact[:, -1]
        self.groups += len(table.groups)
        self.people_latest += int(latest.sum())
        self.blank_latest += int(latest[mask[:, -1]].sum())
        self.person_dates += int(exact.sum())
        self.blank_person_dates += int(exact[mask].sum())
        protective = mask & (exact > PROTECTED_MAX)
        self.protective_blank_latest += int(latest[protective[:, -1]].sum())
        self.protective_blank_person_dates += int(exact[protective].sum())
        self.large_blank_latest += int((mask[:, -1] & (latest >= LARGE)).sum())
        if mask[:, -1].any():
            self.largest_blank_latest = max(
                self.largest_blank_latest, int(latest[mask[:, -1]].max())
            )
        if mask.any():
            self.largest_blank = max(self.largest_blank, int(exact[mask].max()))
        coarse = np.array([r > 0 and r != base_step for r in table.rounding], dtype=bool)
        self.coarsened += int(coarse.sum())
        self.coarsened_people_latest += int(latest[coarse].sum())
        self.withheld += sum(table.withheld)


def loss_by_breakdown(tables: Iterable[SeriesTable], base_step: int) -> list[Loss]:
    """Loss figures per breakdown and dose, in a stable order."""
    found: dict[tuple[str, int], Loss] = defaultdict(lambda: Loss("", 0))
    for table in tables:
        key = (table.breakdown, table.dose)
        loss = found.get(key) or Loss(*key)
        loss.add(table, base_step)
        found[key] = loss
    return [found[k] for k in sorted(found)]


def share_over_doses(entries: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Per breakdown, blank person-dates over all person-dates, every dose together.

    ``entries`` are ``Loss.as_dict()`` figures (as a release's audit stores them).
    """
    blank_: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for entry in entries:
        name = str(entry["breakdown"])
        blank_[name] += int(entry["blank_person_dates"])
        total[name] += int(entry["person_dates"])
    return {name: blank_[name] / total[name] if total[name] else 0.0 for name in sorted(total)}


def headline_blank_dates(tables: Iterable[SeriesTable]) -> int:
    """Dates on which an area's headline total is blank although it counts 8 people or more."""
    count = 0
    for table in tables:
        if table.breakdown == "none":
            count += int((blank(table) & (table.exact >= 8)).sum())
    return count
