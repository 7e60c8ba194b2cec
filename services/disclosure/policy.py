"""What a disclosure policy is: a vectorised rule for publishing counts, and what it reveals.

A policy publishes every count cell (daily, cumulative, totals alike: a total is a cell of
its own, computed from exact values and then published) and states, for each published value,
the integer interval an attacker who knows the rule learns about the true value.

Suppressed cells are never 0 in truth: zeros are always published as 0 and secondary
suppression never picks a zero, so a suppressed value tells a reader "at least 1" and nothing
more. Primary and secondary suppression carry the same public flag, so although primary
suppression alone would mean "1 to 7" under the NHS Digital rule, a reader cannot tell which
suppressed cells are primary: a secondary cell may hold any count of 8 or more. The sound
public interval of a suppressed value is therefore ``[1, +inf)``; claiming ``[1, 7]`` would
exclude the true value of every secondary cell.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

from services.disclosure.published import UNBOUNDED, PublishedArray

PROTECTED_MAX = 7
"""True counts from 1 to this value are the ones disclosure control protects."""


class Policy(ABC):
    """A disclosure rule applied to int arrays of exact counts.

    ``bases`` are the rounding steps the rule can publish a series at: the first is the rule
    itself (5 for NHS Digital); later ones are coarser steps disclosure control may use for a
    whole series instead of withholding it (flagged with the step). A series at a coarse step
    is shown from when its count reaches ``min_shown`` of the step, so no count is ever shown
    as 0. ``suppress_max`` is the largest count the rule withholds (0 when it withholds
    nothing).
    """

    name: str
    bases: tuple[int, ...]
    suppress_max: int

    @abstractmethod
    def round_to(self, exact: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Counts rounded the rule's way to the given step (per cell; 0 stays 0)."""

    @abstractmethod
    def min_shown(self, base: np.ndarray) -> np.ndarray:
        """Smallest count shown at step ``base`` (a row is blank until it reaches it)."""

    @abstractmethod
    def rounding_interval(
        self, values: np.ndarray, base: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)`` of the true counts that round to ``values`` at step ``base``."""

    @abstractmethod
    def publish(self, exact: np.ndarray) -> PublishedArray:
        """Published values (and primary suppression mask) for exact non-negative counts."""

    @abstractmethod
    def _visible_bounds(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Interval of true values behind published (non-suppressed) values."""

    def bounds(self, published: PublishedArray) -> tuple[np.ndarray, np.ndarray]:
        """Per-cell ``(lo, hi)`` an attacker learns; ``hi`` is ``UNBOUNDED`` where suppressed."""
        lo, hi = self._visible_bounds(np.where(published.suppressed, 0, published.values))
        lo = np.where(published.suppressed, 1, lo)
        hi = np.where(published.suppressed, UNBOUNDED, hi)
        return lo.astype(np.int64), hi.astype(np.int64)

    def protected(self, exact: np.ndarray) -> np.ndarray:
        """Mask of cells whose true value the release must not reveal (1 to 7)."""
        return (exact >= 1) & (exact <= PROTECTED_MAX)

    def publish_value(self, exact: int) -> int | None:
        """Scalar form of ``publish``: the published value, or None if suppressed."""
        out = self.publish(np.array([exact], dtype=np.int64))
        return None if bool(out.suppressed[0]) else int(out.values[0])

    def interval(self, value: int | None) -> tuple[int, int | float]:
        """Scalar form of ``bounds``: ``(lo, hi)``, with ``hi = math.inf`` if suppressed."""
        if value is None:
            return 1, math.inf
        lo, hi = self._visible_bounds(np.array([value], dtype=np.int64))
        return int(lo[0]), int(hi[0])
