"""How a family's tables are linked: LTLA→UTLA chains, label alignment and cross grids.

Building the layout also checks the sums the audit relies on (breakdowns add up to the
total, an upper-tier area is the sum of its LTLAs, a cross adds up to both margins): the
audit is only sound for tables that really are linked the way it assumes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.disclosure.errors import FamilyShapeError
from services.disclosure.family import TOTAL, Cross, FamilyInput


@dataclass(frozen=True, eq=False)
class CrossGrid:
    """Where each group of a cross table sits in its dense ``rows × cols`` grid."""

    cross: Cross
    row_of: np.ndarray
    col_of: np.ndarray
    n_rows: int
    n_cols: int

    def to_dense(self, table: np.ndarray, fill: int = 0) -> np.ndarray:
        """``[groups × dates]`` -> ``[rows × cols × dates]``; absent combinations get ``fill``."""
        dense = np.full((self.n_rows * self.n_cols, table.shape[1]), fill, dtype=table.dtype)
        dense[self.row_of * self.n_cols + self.col_of] = table
        return dense.reshape(self.n_rows, self.n_cols, table.shape[1])

    def from_dense(self, dense: np.ndarray) -> np.ndarray:
        """Inverse of ``to_dense`` for the groups that exist."""
        flat = dense.reshape(self.n_rows * self.n_cols, dense.shape[2])
        result: np.ndarray = flat[self.row_of * self.n_cols + self.col_of]
        return result


@dataclass(frozen=True, eq=False)
class Layout:
    """The validated link structure of one family."""

    chains: tuple[tuple[str, str | None], ...]
    """``(lower area, upper area or None)``: a witness moved in the lower moves the upper."""
    uppers: tuple[str, ...]
    """Areas that are sums of children (their cells are moved through a chain)."""
    align: dict[tuple[str, str], np.ndarray]
    """``(lower, breakdown)`` -> row in the upper's table of each of the lower's groups."""
    grids: dict[tuple[str, str], CrossGrid]
    """``(area, cross breakdown)`` -> its grid."""
    cross_of: dict[str, Cross]
    """Breakdown name -> the cross it takes part in (as cross, rows or cols)."""
    parent_of: dict[str, str]
    """LTLA -> the upper-tier area it sums into (only where they differ)."""


def _check_shapes(family: FamilyInput) -> None:
    n_dates = len(family.dates)
    for area, b in family.tables():
        table = family.exact_new.get((area, b))
        if table is None:
            raise FamilyShapeError(f"no table for {area}/{b}")
        expected = (len(family.groups(area, b)), n_dates)
        if table.shape != expected or not np.issubdtype(table.dtype, np.integer):
            raise FamilyShapeError(f"{area}/{b}: want int {expected}, got {table.shape}")
        if (table < 0).any():
            raise FamilyShapeError(f"{area}/{b}: negative count")
    if TOTAL not in family.breakdowns or len(family.breakdowns[TOTAL]) != 1:
        raise FamilyShapeError(f"breakdown {TOTAL!r} with one group is required")


def _check_previous(family: FamilyInput) -> None:
    for old in family.previous:
        if old.dates != family.dates[: len(old.dates)]:
            raise FamilyShapeError("a previous release must cover a prefix of this one's dates")
        for key, table in old.exact_new.items():
            want = (len(family.groups(*key)), len(old.dates))
            shapes = {table.shape, old.published_new[key].values.shape}
            shapes.add(old.published_cumulative[key].values.shape)
            if shapes != {want}:
                raise FamilyShapeError(f"previous release {key}: want {want}, got {shapes}")


def _check_sums(family: FamilyInput) -> None:
    for area in family.areas:
        total = family.exact_new[(area, TOTAL)][0]
        for b in family.breakdowns:
            if not np.array_equal(family.exact_new[(area, b)].sum(axis=0), total):
                raise FamilyShapeError(f"{area}/{b} does not sum to the {TOTAL!r} total")


def _alignment(family: FamilyInput, lower: str, upper: str, b: str) -> np.ndarray:
    upper_rows = {label: i for i, label in enumerate(family.groups(upper, b))}
    try:
        return np.array([upper_rows[label] for label in family.groups(lower, b)], dtype=np.intp)
    except KeyError as exc:
        raise FamilyShapeError(f"{lower}/{b}: group {exc} missing from {upper}") from None


def _grid(family: FamilyInput, area: str, cross: Cross) -> CrossGrid:
    rows = {label: i for i, label in enumerate(family.groups(area, cross.rows))}
    cols = {label: i for i, label in enumerate(family.groups(area, cross.cols))}
    row_of, col_of = [], []
    for label in family.groups(area, cross.name):
        row, sep, col = label.partition(cross.separator)
        if not sep or row not in rows or col not in cols:
            raise FamilyShapeError(f"{area}/{cross.name}: label {label!r} is not row{sep}col")
        row_of.append(rows[row])
        col_of.append(cols[col])
    grid = CrossGrid(cross, np.array(row_of), np.array(col_of), len(rows), len(cols))
    if len(set(zip(row_of, col_of, strict=True))) != len(row_of):
        raise FamilyShapeError(f"{area}/{cross.name}: repeated cell")
    dense = grid.to_dense(family.exact_new[(area, cross.name)])
    if not (
        np.array_equal(dense.sum(axis=1), family.exact_new[(area, cross.rows)])
        and np.array_equal(dense.sum(axis=0), family.exact_new[(area, cross.cols)])
    ):
        raise FamilyShapeError(f"{area}/{cross.name} does not sum to its margins")
    return grid


def build_layout(family: FamilyInput) -> Layout:
    """Validate a family and work out how its tables link."""
    _check_shapes(family)
    _check_sums(family)
    _check_previous(family)
    cross_of: dict[str, Cross] = {}
    for cross in family.crosses:
        for b in (cross.name, cross.rows, cross.cols):
            if b in cross_of or b == TOTAL or b not in family.breakdowns:
                raise FamilyShapeError(f"breakdown {b!r} cannot take part in cross {cross.name}")
            cross_of[b] = cross
    uppers = tuple(u for u, lows in family.children.items() if any(x != u for x in lows))
    chains: list[tuple[str, str | None]] = []
    align: dict[tuple[str, str], np.ndarray] = {}
    for area in family.areas:
        if area in uppers:
            continue
        upper = family.parent(area)
        if upper is not None and upper not in family.areas:
            raise FamilyShapeError(f"{area}: its upper-tier area {upper} has no tables")
        chains.append((area, upper))
        if upper is not None:
            for b in family.breakdowns:
                align[(area, b)] = _alignment(family, area, upper, b)
    for upper in uppers:
        lowers = [a for a in family.children[upper] if a != upper]
        for b in family.breakdowns:
            summed = np.zeros_like(family.exact_new[(upper, b)])
            for lower in lowers:
                np.add.at(summed, align[(lower, b)], family.exact_new[(lower, b)])
            if not np.array_equal(summed, family.exact_new[(upper, b)]):
                raise FamilyShapeError(f"{upper}/{b} is not the sum of its LTLAs")
    grids = {
        (area, cross.name): _grid(family, area, cross)
        for area in family.areas
        for cross in family.crosses
    }
    parent_of = {lower: upper for lower, upper in chains if upper is not None}
    return Layout(tuple(chains), uppers, align, grids, cross_of, parent_of)
