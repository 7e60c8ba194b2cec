"""The linked-table model of what a release publishes for one family of areas.

Every published series is a *cumulative* count of people by date. A family holds one row per
distinct count: the same count reached through two tables (age band 25-29 and JCVI band
25-29) is one row, published once and shown identically in both. Each row is either

* published: the policy rounds it (and blanks it while small) — its own numbers;
* derived: shown as the sum of the published numbers of other rows (a JCVI band that is a
  union of age bands), so it tells a reader nothing those rows do not;
* virtual: never shown, but a sum the tables imply (people aged 16-24 are both the 16-17 and
  18-24 age bands and a row of the age × ethnic group cross).

Links are linear equalities that hold on every date between exact counts: ``target = Σ
members`` (a breakdown to its total, a nested group to its parts, an upper-tier area to its
LTLAs, a cross to its margins). ``at_most`` pairs are inequalities between rows on every date
(second doses cannot outnumber first doses of the same people). A reader who knows the rules
knows all of them, so the audit uses all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

RowKey = tuple[str, int, str, str]
"""``(area code, dose, breakdown, group)``; breakdown ``"~"`` marks a virtual row."""

VIRTUAL = "~"


@dataclass(frozen=True, eq=False)
class LinkedFamily:
    """Canonical rows of a family, their exact cumulative counts and every link between them.

    ``exact[r]`` is row r's exact cumulative count on each date (non-decreasing). ``derived``
    maps a derived row to the rows whose published numbers it adds up. ``level`` is the
    coarsening level each row starts from (0: the policy's own rounding), carried over from
    the previous release so a row never becomes more precise than it was.
    """

    keys: tuple[RowKey, ...]
    exact: np.ndarray
    published: np.ndarray
    sums: tuple[tuple[int, tuple[int, ...]], ...]
    at_most: tuple[tuple[int, int], ...] = ()
    derived: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    level: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        """Number of canonical rows (published, derived and virtual)."""
        return len(self.keys)

    @property
    def n_dates(self) -> int:
        """Number of dates of every row."""
        return int(self.exact.shape[1])

    def start_levels(self) -> np.ndarray:
        """A writable copy of the starting coarsening levels."""
        if self.level is None:
            return np.zeros(self.n_rows, dtype=np.int64)
        return np.asarray(self.level, dtype=np.int64).copy()

    def check(self) -> None:
        """Raise ``ValueError`` unless the exact counts obey every link (the audit relies on it)."""
        if (np.diff(self.exact, axis=1) < 0).any() or (self.exact < 0).any():
            raise ValueError("cumulative counts must be non-negative and non-decreasing")
        for target, members in self.sums:
            if not np.array_equal(self.exact[target], self.exact[list(members)].sum(axis=0)):
                raise ValueError(f"{self.keys[target]} is not the sum of its members")
        for row, members in self.derived.items():
            if self.published[row]:
                raise ValueError(f"derived row {self.keys[row]} cannot be published itself")
            if not np.array_equal(self.exact[row], self.exact[list(members)].sum(axis=0)):
                raise ValueError(f"derived row {self.keys[row]} is not the sum of its parts")


class FamilyBuilder:
    """Collects rows and links; ``build`` returns the frozen ``LinkedFamily``."""

    def __init__(self, n_dates: int) -> None:
        self._n_dates = n_dates
        self._keys: list[RowKey] = []
        self._index: dict[RowKey, int] = {}
        self._exact: list[np.ndarray] = []
        self._published: list[bool] = []
        self._sums: list[tuple[int, tuple[int, ...]]] = []
        self._at_most: list[tuple[int, int]] = []
        self._derived: dict[int, tuple[int, ...]] = {}
        self._level: list[int] = []

    def row(self, key: RowKey) -> int | None:
        """Index of a row already added (aliases included), or None."""
        return self._index.get(key)

    def add(self, key: RowKey, exact: np.ndarray, *, published: bool = True, level: int = 0) -> int:
        """Add a row; returns its index."""
        if key in self._index:
            raise ValueError(f"row {key} added twice")
        if exact.shape != (self._n_dates,):
            raise ValueError(f"row {key}: want {self._n_dates} dates, got {exact.shape}")
        self._index[key] = len(self._keys)
        self._keys.append(key)
        self._exact.append(np.asarray(exact, dtype=np.int64))
        self._published.append(published)
        self._level.append(level)
        return self._index[key]

    def alias(self, key: RowKey, row: int) -> None:
        """``key`` names the same count as ``row`` (published once, shown identically)."""
        if key in self._index and self._index[key] != row:
            raise ValueError(f"{key} already names another row")
        self._index[key] = row

    def link_sum(self, target: int, members: Sequence[int]) -> None:
        """``target = Σ members`` on every date."""
        members = tuple(dict.fromkeys(members))
        if target in members or not members:
            raise ValueError("a sum needs members other than its target")
        self._sums.append((target, members))

    def derive(self, row: int, members: Sequence[int]) -> None:
        """Show ``row`` as the sum of its members' published numbers (it is not published)."""
        self._published[row] = False
        self._derived[row] = tuple(members)
        self.link_sum(row, members)

    def at_most(self, smaller: int, larger: int) -> None:
        """``smaller <= larger`` on every date (only added where the exact counts obey it)."""
        if (self._exact[smaller] <= self._exact[larger]).all():
            self._at_most.append((smaller, larger))

    def raise_level(self, row: int, level: int) -> None:
        """Start a row at least at this coarsening level (carried from an earlier release)."""
        self._level[row] = max(self._level[row], level)

    def index(self) -> Mapping[RowKey, int]:
        """Every key (aliases included) to its row."""
        return dict(self._index)

    def exact(self, row: int) -> np.ndarray:
        """The exact cumulative counts of a row added so far."""
        return self._exact[row]

    def build(self) -> LinkedFamily:
        """The frozen family."""
        family = LinkedFamily(
            keys=tuple(self._keys),
            exact=np.array(self._exact, dtype=np.int64).reshape(len(self._keys), self._n_dates),
            published=np.array(self._published, dtype=bool),
            sums=tuple(self._sums),
            at_most=tuple(self._at_most),
            derived=dict(self._derived),
            level=np.array(self._level, dtype=np.int64),
        )
        family.check()
        return family
