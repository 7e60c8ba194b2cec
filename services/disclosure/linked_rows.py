"""A family as one stack of rows, and its linear equalities as sparse sum constraints.

Every table's groups become rows of one ``[rows × 2·dates]`` array: the first ``dates``
columns hold the daily series, the rest the cumulative one. Every link the audit knows is
then either a *sum family* (for each date and series, a target row equals the sum of its
member rows: a breakdown to the ``"none"`` total, a cross to each margin, an upper-tier area
to its LTLAs) or the cumulative chain ``cum[d] = cum[d - 1] + new[d]`` along each row.
Within one sum family each row is a member of at most one constraint, so a whole family is
tightened at once with two sparse products and a few gathers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array

from services.disclosure.family import TOTAL, FamilyInput, Key
from services.disclosure.layout import Layout


@dataclass(frozen=True, eq=False)
class SumFamily:
    """Constraints ``row[targets[c]] = sum(row[m] for m with owner[m] == c)``, per column."""

    name: str
    targets: np.ndarray
    members: np.ndarray
    owner: np.ndarray
    matrix: csr_array
    """``[constraints × rows]`` 0/1 incidence of the members."""


def _sum_family(name: str, n_rows: int, pairs: list[tuple[int, np.ndarray]]) -> SumFamily:
    targets = np.array([t for t, _ in pairs], dtype=np.intp)
    members = np.concatenate([m for _, m in pairs]).astype(np.intp)
    owner = np.repeat(np.arange(len(pairs)), [len(m) for _, m in pairs]).astype(np.intp)
    if len(np.unique(members)) != len(members) or np.isin(targets, members).any():
        raise ValueError(f"sum family {name}: a row is used twice")
    ones = np.ones(len(members), dtype=np.int64)
    matrix = csr_array((ones, (owner, members)), shape=(len(pairs), n_rows))
    return SumFamily(name, targets, members, owner, matrix)


@dataclass(frozen=True, eq=False)
class LinkedRows:
    """Row offsets of every table of a family, and the sum families linking the rows."""

    family: FamilyInput
    offset: Mapping[Key, int]
    n_rows: int
    n_dates: int
    sums: tuple[SumFamily, ...]

    def rows(self, key: Key) -> slice:
        """The rows of one table."""
        start = self.offset[key]
        return slice(start, start + len(self.family.groups(*key)))

    def stack(self, new: Mapping[Key, np.ndarray], cum: Mapping[Key, np.ndarray]) -> np.ndarray:
        """Per-table daily and cumulative arrays -> one ``[rows × 2·dates]`` array."""
        first = next(iter(new.values()))
        out = np.zeros((self.n_rows, 2 * self.n_dates), dtype=first.dtype)
        for key in self.offset:
            out[self.rows(key), : self.n_dates] = new[key]
            out[self.rows(key), self.n_dates :] = cum[key]
        return out

    def unstack(self, stacked: np.ndarray) -> tuple[dict[Key, np.ndarray], dict[Key, np.ndarray]]:
        """Inverse of ``stack``: (daily, cumulative) per table (views, not copies)."""
        d = self.n_dates
        new = {key: stacked[self.rows(key), :d] for key in self.offset}
        cum = {key: stacked[self.rows(key), d:] for key in self.offset}
        return new, cum

    def locate(self, row: int) -> tuple[Key, int]:
        """The table and group index of a stacked row."""
        for key, start in self.offset.items():
            if start <= row < start + len(self.family.groups(*key)):
                return key, row - start
        raise IndexError(row)


def link_rows(family: FamilyInput, layout: Layout) -> LinkedRows:
    """Stack a (validated) family's tables and list every sum constraint between their rows."""
    offset: dict[Key, int] = {}
    n = 0
    for key in family.tables():
        offset[key] = n
        n += len(family.groups(*key))
    sums: list[SumFamily] = []
    for b in family.breakdowns:
        if b == TOTAL:
            continue
        pairs = [
            (offset[(area, TOTAL)], offset[(area, b)] + np.arange(len(family.groups(area, b))))
            for area in family.areas
        ]
        sums.append(_sum_family(f"breakdown {b}", n, pairs))
    for cross in family.crosses:
        for margin, attr in ((cross.rows, "row_of"), (cross.cols, "col_of")):
            pairs = []
            for area in family.areas:
                grid = layout.grids[(area, cross.name)]
                of = getattr(grid, attr)
                base = offset[(area, cross.name)]
                for m in range(len(family.groups(area, margin))):
                    pairs.append((offset[(area, margin)] + m, base + np.nonzero(of == m)[0]))
            sums.append(_sum_family(f"cross {cross.name} to {margin}", n, pairs))
    pairs = []
    for upper in layout.uppers:
        lowers = [a for a in family.children[upper] if a != upper]
        for b in family.breakdowns:
            found: dict[int, list[int]] = {}
            for lower in lowers:
                for g, row in enumerate(layout.align[(lower, b)]):
                    found.setdefault(int(row), []).append(offset[(lower, b)] + g)
            for row in range(len(family.groups(upper, b))):
                pairs.append((offset[(upper, b)] + row, np.array(found.get(row, []), np.intp)))
    if pairs:
        sums.append(_sum_family("upper tier", n, pairs))
    return LinkedRows(family, offset, n, len(family.dates), tuple(sums))
