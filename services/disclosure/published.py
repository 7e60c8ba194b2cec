"""Published values: an int array with a suppression mask, and what a reader may conclude."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SUPPRESSED = -1
"""Sentinel stored in ``PublishedArray.values`` where a cell is suppressed (never shown)."""

UNBOUNDED = 1 << 40
"""Stands for +infinity in integer interval arrays (larger than any real count)."""

SUPPRESSED_FLAG = "suppressed"
"""The one public flag for a withheld value, the same for primary and secondary suppression."""


@dataclass(frozen=True, eq=False)
class PublishedArray:
    """Published values of a table: ``values`` (int64, ``SUPPRESSED`` where withheld) + mask."""

    values: np.ndarray
    suppressed: np.ndarray

    def __post_init__(self) -> None:
        if self.values.shape != self.suppressed.shape:
            raise ValueError("values and suppressed mask differ in shape")

    @classmethod
    def from_values(cls, values: np.ndarray, suppressed: np.ndarray) -> PublishedArray:
        """Build one, writing the sentinel into every suppressed position."""
        out = np.asarray(values, dtype=np.int64).copy()
        mask = np.asarray(suppressed, dtype=bool)
        out[mask] = SUPPRESSED
        return cls(out, mask)

    def with_suppressed(self, extra: np.ndarray) -> PublishedArray:
        """This table with the cells in ``extra`` suppressed as well (secondary suppression)."""
        return PublishedArray.from_values(self.values, self.suppressed | extra)

    def to_optional(self) -> list:
        """Nested lists of ``int | None`` (None where suppressed), for serialisers."""
        obj = self.values.astype(object)
        obj[self.suppressed] = None
        result: list = obj.tolist()
        return result

    def flags(self) -> np.ndarray:
        """Per-cell public flag: ``"suppressed"`` or ``""``."""
        return np.where(self.suppressed, SUPPRESSED_FLAG, "")
