"""What a disclosure policy is: how a count is rounded, when it is shown, what that reveals.

A policy rounds counts to a step: ``bases[0]`` is the rule councils are told about (NHS
Digital: the nearest 5); later steps are coarser ones disclosure control may use for a whole
series instead of withholding it (flagged with the step). A series at a step is shown from
when its count reaches ``min_shown`` of the step, so no count is ever shown as 0, and counts
from 1 to ``suppress_max`` are never shown at all (NHS Digital: 1 to 7).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

PROTECTED_MAX = 7
"""True counts from 1 to this value are the ones disclosure control protects."""


class Policy(ABC):
    """A disclosure rule applied to int arrays of exact counts."""

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

    def publish_value(self, exact: int, level: int = 0) -> int | None:
        """One count as the rule shows it at a level's step: the value, or None (blank)."""
        base = np.array([self.bases[level]])
        if exact == 0:
            return 0
        if exact < int(self.min_shown(base)[0]):
            return None
        return int(self.round_to(np.array([exact]), base)[0])
