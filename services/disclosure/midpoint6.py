"""OpenSAFELY midpoint-6 rounding: 0 stays 0, x > 0 becomes ceil(x/6)*6 - 3."""

from __future__ import annotations

import numpy as np

from services.disclosure.policy import Policy


class Midpoint6Policy(Policy):
    """Round every non-zero count to the midpoint of its block of six: v means v-2..v+3.

    Nothing is withheld by the rule itself (1–6 all show as 3). The coarser steps are 6 times
    a power of 3 (18, 54, ...), blocks that are unions of the finer ones.
    """

    name = "midpoint6"
    bases = (6, 18, 54, 162, 486, 1458)
    suppress_max = 0

    def round_to(self, exact: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Midpoint of the block of ``base`` a count falls in; 0 stays 0."""
        exact = np.asarray(exact, dtype=np.int64)
        base = np.asarray(base, dtype=np.int64)
        return np.where(exact == 0, 0, -(-exact // base) * base - base // 2)

    def min_shown(self, base: np.ndarray) -> np.ndarray:
        """1: every count above 0 has a midpoint above 0."""
        return np.ones_like(np.asarray(base, dtype=np.int64))

    def rounding_interval(
        self, values: np.ndarray, base: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """A value v at step b means a true v - b//2 + 1 .. v + b//2 (6: v-2..v+3)."""
        base = np.asarray(base, dtype=np.int64)
        return values - base // 2 + 1, values + base // 2
