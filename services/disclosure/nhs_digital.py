"""The NHS Digital rule: 0 stays 0, 1 to 7 is suppressed, everything else rounds to 5."""

from __future__ import annotations

import numpy as np

from services.disclosure.policy import PROTECTED_MAX, Policy
from services.disclosure.published import PublishedArray


def round_to_5(values: np.ndarray) -> np.ndarray:
    """Nearest multiple of 5, ties half up (integers never tie: the midpoint is x.5)."""
    return ((np.asarray(values, dtype=np.int64) + 2) // 5) * 5


class NhsDigitalPolicy(Policy):
    """Suppress 1–7, round the rest to the nearest 5; a published v means a true v-2..v+2.

    Every published value is 0, suppressed, or a multiple of 5 that is at least 10 (8 rounds
    to 10), so a published 10 still means 8..12 and the interval never reaches the protected
    range.
    """

    name = "nhs-digital"
    bases = (5, 15, 45, 135, 405, 1215)
    suppress_max = PROTECTED_MAX

    def round_to(self, exact: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Nearest multiple of ``base``, ties half up."""
        base = np.asarray(base, dtype=np.int64)
        return ((np.asarray(exact, dtype=np.int64) + base // 2) // base) * base

    def min_shown(self, base: np.ndarray) -> np.ndarray:
        """8, or half the step for steps above 16 (smaller counts would round to 0)."""
        # Steps are 5 times a power of 3, so a coarser step's interval is always a union of
        # finer ones: publishing a count more coarsely later never narrows what an earlier,
        # finer figure told a reader.
        return np.maximum(PROTECTED_MAX + 1, (np.asarray(base, dtype=np.int64) + 1) // 2)

    def rounding_interval(
        self, values: np.ndarray, base: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """A value v at step b means a true v - b//2 .. v + b - 1 - b//2 (5: v-2..v+2)."""
        base = np.asarray(base, dtype=np.int64)
        return values - base // 2, values + base - 1 - base // 2

    def publish(self, exact: np.ndarray) -> PublishedArray:
        """Apply the rule to an int array of exact counts."""
        exact = np.asarray(exact, dtype=np.int64)
        suppressed = (exact >= 1) & (exact <= PROTECTED_MAX)
        return PublishedArray.from_values(round_to_5(exact), suppressed)

    def _visible_bounds(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        zero = values == 0
        return np.where(zero, 0, values - 2), np.where(zero, 0, values + 2)
