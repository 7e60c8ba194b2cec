"""Age ranges: the population an uptake figure is over ("16+", "50-64", "all"), and bands.

A range is ``lo`` to ``hi`` years inclusive, or ``lo`` and over (``hi`` None). Population
sources publish counts in bands; a source can supply a range exactly when the range starts on
one of its band edges and ends just before another (a source's last band is open, so a range
ending inside it cannot be formed). ``edges`` below are the first ages of a source's bands,
ascending from 0.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.reference.errors import AgeRangeError

OLDEST_RECORDED_AGE = 120
_PATTERN = re.compile(r"^(?:(?P<all>all)|(?P<lo>\d{1,3})(?:\+|-(?P<hi>\d{1,3})))$")


@dataclass(frozen=True, slots=True, order=True)
class AgeRange:
    """Ages ``lo`` to ``hi`` inclusive; ``hi`` None means ``lo`` and over."""

    lo: int
    hi: int | None

    def __post_init__(self) -> None:
        if not 0 <= self.lo <= OLDEST_RECORDED_AGE:
            raise AgeRangeError(f"an age range must start between 0 and {OLDEST_RECORDED_AGE}")
        if self.hi is not None and not self.lo <= self.hi <= OLDEST_RECORDED_AGE:
            raise AgeRangeError(
                f"an age range must end between its start and {OLDEST_RECORDED_AGE}"
            )

    @classmethod
    def parse(cls, text: str) -> AgeRange:
        """``"16+"``, ``"50-64"``, ``"all"`` (= ``"0+"``); raises AgeRangeError otherwise."""
        match = _PATTERN.match(text.strip().lower())
        if match is None:
            raise AgeRangeError(
                f"ages={text!r} is not an age range: write lo+ (e.g. 16+), lo-hi (e.g. 50-64) "
                "or all"
            )
        if match["all"]:
            return ALL_AGES
        hi = match["hi"]
        return cls(int(match["lo"]), None if hi is None else int(hi))

    @property
    def label(self) -> str:
        """The canonical text form: ``"all"``, ``"16+"`` or ``"50-64"``."""
        if self.hi is None:
            return "all" if self.lo == 0 else f"{self.lo}+"
        return f"{self.lo}-{self.hi}"

    @property
    def end(self) -> int | None:
        """One past the last age (None when open-ended)."""
        return None if self.hi is None else self.hi + 1

    def contains(self, other: AgeRange) -> bool:
        """Whether every age of ``other`` is in this range."""
        if other.lo < self.lo:
            return False
        if self.hi is None:
            return True
        return other.hi is not None and other.hi <= self.hi

    def overlaps(self, other: AgeRange) -> bool:
        """Whether the two ranges share an age."""
        return (self.hi is None or other.lo <= self.hi) and (
            other.hi is None or self.lo <= other.hi
        )

    def fits(self, edges: Sequence[int]) -> bool:
        """Whether bands starting at ``edges`` (the last one open) can form exactly this range."""
        if self.lo not in edges:
            return False
        end = self.end
        return end is None or (end in edges and end > self.lo)

    def __str__(self) -> str:
        return self.label


ALL_AGES = AgeRange(0, None)
ADULTS = AgeRange(16, None)
"""The eligible adults of the 2021 programme: the default population of every uptake figure."""


def band(label: str) -> AgeRange:
    """The ages of a band label such as ``"50-54"`` or ``"90+"``."""
    return AgeRange.parse(label)


def edges_of(labels: Sequence[str]) -> tuple[int, ...]:
    """The first ages of consecutive bands covering 0 and over (checked)."""
    ranges = [band(label) for label in labels]
    expected = 0
    for r in ranges:
        if r.lo != expected:
            raise AgeRangeError(f"bands {', '.join(labels)} do not run on from 0 without gaps")
        expected = r.end if r.end is not None else -1
    if expected != -1:
        raise AgeRangeError(f"bands {', '.join(labels)} do not end with an open band")
    return tuple(r.lo for r in ranges)


def describe_edges(edges: Sequence[int]) -> str:
    """The bands of these edges as text, for error messages: ``"0-15, 16-17, …, 80+"``."""
    labels = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(edges)]
    return ", ".join([*labels, f"{edges[-1]}+"])
