"""The NHS Digital rule: 0 stays 0, 1 to 7 is not shown, everything else rounds to 5."""

from __future__ import annotations

import numpy as np

from services.disclosure.policy import PROTECTED_MAX, Policy


class NhsDigitalPolicy(Policy):
    """Suppress 1–7, round the rest to the nearest 5; a shown v means a true v-2..v+2.

    Every shown value is 0 or a multiple of 5 that is at least 10 (8 rounds to 10). The
    coarser steps are 5 times a power of 3 (15, 45, 135, 405, 1215), so a coarser step's
    interval is always a union of finer ones: publishing a count more coarsely later never
    narrows what an earlier, finer figure told a reader.
    """

    name = "nhs-digital"
    bases = (5, 15, 45, 135, 405, 1215)
    suppress_max = PROTECTED_MAX

    def round_to(self, exact: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Nearest multiple of ``base``, ties half up (no integer ties at odd steps)."""
        base = np.asarray(base, dtype=np.int64)
        return ((np.asarray(exact, dtype=np.int64) + base // 2) // base) * base

    def min_shown(self, base: np.ndarray) -> np.ndarray:
        """8, or half the step for steps above 16 (smaller counts would round to 0)."""
        return np.maximum(PROTECTED_MAX + 1, (np.asarray(base, dtype=np.int64) + 1) // 2)

    def rounding_interval(
        self, values: np.ndarray, base: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """A value v at step b means a true v - b//2 .. v + b - 1 - b//2 (5: v-2..v+2)."""
        base = np.asarray(base, dtype=np.int64)
        return values - base // 2, values + base - 1 - base // 2
