"""A family: one dose of one upper-tier area, the unit the release protects on its own.

Tables are int arrays ``[groups × dates]`` of exact daily counts keyed by
``(area, breakdown)``; cumulative series are their running sums from the first date. Every
breakdown's groups sum to the ``"none"`` total for the same area and date; an upper-tier
area's arrays are the sums of its LTLAs' arrays, group by group (matched by label, so MSOA
groups need only exist in the LTLA that holds them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from services.disclosure.policy import Policy
from services.disclosure.published import PublishedArray

TOTAL = "none"
Key = tuple[str, str]
"""``(area code, breakdown name)``."""


@dataclass(frozen=True)
class Cross:
    """Breakdown ``name`` is ``rows`` × ``cols``: its labels read ``"<row><sep><col>"``."""

    name: str
    rows: str
    cols: str
    separator: str = "|"


@dataclass(frozen=True, eq=False)
class PreviousRelease:
    """A release already published: its exact daily counts and what it showed.

    ``dates`` starts on the same day as the current release (its cumulative series start
    there too) and is at most as long. Keys missing here are treated as not published then.
    """

    dates: tuple[date, ...]
    exact_new: Mapping[Key, np.ndarray]
    published_new: Mapping[Key, PublishedArray]
    published_cumulative: Mapping[Key, PublishedArray]
    policy: Policy


@dataclass(frozen=True, eq=False)
class FamilyInput:
    """One dose of one UTLA with its LTLAs (for a unitary authority, one area, no children).

    ``breakdowns`` maps a breakdown name to its group labels (``"none"`` -> ``("all",)``);
    ``area_groups`` overrides the labels for one ``(area, breakdown)`` (MSOAs differ per
    LTLA). ``exact_new[(area, breakdown)]`` is an int array ``[groups × dates]``.
    """

    dates: tuple[date, ...]
    areas: tuple[str, ...]
    children: Mapping[str, tuple[str, ...]]
    breakdowns: Mapping[str, tuple[str, ...]]
    exact_new: Mapping[Key, np.ndarray]
    crosses: tuple[Cross, ...] = ()
    area_groups: Mapping[Key, tuple[str, ...]] = field(default_factory=dict)
    previous: tuple[PreviousRelease, ...] = ()

    def groups(self, area: str, breakdown: str) -> tuple[str, ...]:
        """Group labels of one table, in row order."""
        return self.area_groups.get((area, breakdown), self.breakdowns[breakdown])

    def tables(self) -> tuple[Key, ...]:
        """Every table of the family."""
        return tuple((area, b) for area in self.areas for b in self.breakdowns)

    def parent(self, area: str) -> str | None:
        """The upper-tier area an LTLA sums into, or None."""
        for upper, lowers in self.children.items():
            if area in lowers and upper != area:
                return upper
        return None


@dataclass(frozen=True)
class CellKey:
    """One published cell: ``series`` is ``"new"`` (daily) or ``"cumulative"``."""

    area: str
    breakdown: str
    group: str
    date: date
    series: str


@dataclass(frozen=True)
class Exposure:
    """A protected cell and the interval of values the audit proved an attacker cannot exclude.

    ``certified`` is an inner bound: the attacker's real interval contains it. Internal only
    (it holds the true value).
    """

    cell: CellKey
    exact: int
    certified: tuple[int, int]

    @property
    def width(self) -> int:
        """Number of integer values in the certified interval."""
        return self.certified[1] - self.certified[0] + 1


@dataclass(frozen=True, eq=False)
class ProtectedFamily:
    """What the release may publish for a family, and the audit's account of it."""

    new: Mapping[Key, PublishedArray]
    cumulative: Mapping[Key, PublishedArray]
    primary_suppressed: int
    secondary_suppressed: int
    secondary_cells: tuple[CellKey, ...]
    protected_cells: int
    audit_passed: bool
    tightest: Exposure | None
    failing_cells: int
    failing: tuple[Exposure, ...]
    """Up to 100 of the exposed cells, for the operator's report."""
    rounds: int
