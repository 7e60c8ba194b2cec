"""Secondary suppression: withhold the linked cells that let an attacker pin a protected one.

For each exposed cell the audit could not certify, suppress (in this release) the visible
non-zero cells its witnesses need room in: first the cell's own compensation cells (next day
and its cumulative value; from the second round a ring of days either side, widening every
other round, with the area total's ring too), then the smallest
visible partner on the same day of the same table (the next-smallest cell of the sum that
pins it) with its own compensation cells, the margins of a cross, and the same cells in the
linked upper-tier area or LTLA. One more partner is added each round until the audit passes.

Zeros are never suppressed (so a suppressed value still means "at least 1"), and suppression
only ever widens published intervals, so each round can only help.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from services.disclosure.audit import AuditReport
from services.disclosure.family import TOTAL, FamilyInput, Key
from services.disclosure.layout import Layout

Cell = tuple[str, int, int]
"""``(series, group row, date index)`` within one table; series is ``new`` or ``cumulative``."""


class SuppressionPlan:
    """The suppression masks of a family being protected, and the cells added to them."""

    def __init__(
        self,
        family: FamilyInput,
        layout: Layout,
        masks: Mapping[str, dict[Key, np.ndarray]],
    ) -> None:
        self.family = family
        self.layout = layout
        self.masks = masks
        self.exact = {
            "new": family.exact_new,
            "cumulative": {k: np.cumsum(v, axis=1) for k, v in family.exact_new.items()},
        }
        self.added: list[tuple[Key, Cell]] = []

    def visible(self, key: Key, cell: Cell) -> bool:
        """True if the cell exists, is non-zero and is not yet suppressed."""
        series, g, d = cell
        table = self.exact[series][key]
        if not (0 <= g < table.shape[0] and 0 <= d < table.shape[1]):
            return False
        return bool(table[g, d] > 0 and not self.masks[series][key][g, d])

    def suppress(self, key: Key, cells: Iterable[Cell], via: str | None) -> None:
        """Suppress the visible ones among ``cells`` here and in the linked area ``via``."""
        for cell in cells:
            if self.visible(key, cell):
                series, g, d = cell
                self.masks[series][key][g, d] = True
                self.added.append((key, cell))
            if via is not None:
                linked = self._linked(key, cell, via)
                if linked is not None:
                    self.suppress(*linked, via=None)

    def _linked(self, key: Key, cell: Cell, via: str) -> tuple[Key, list[Cell]] | None:
        area, b = key
        series, g, d = cell
        if self.layout.parent_of.get(area) == via:
            return (via, b), [(series, int(self.layout.align[key][g]), d)]
        rows = np.nonzero(self.layout.align[(via, b)] == g)[0]
        return ((via, b), [(series, int(rows[0]), d)]) if len(rows) else None

    def via(self, key: Key, g: int, d: int) -> str | None:
        """The area a witness for this cell also moves: its UTLA, or its busiest LTLA."""
        area, b = key
        parent = self.layout.parent_of.get(area)
        if parent is not None or area not in self.layout.uppers:
            return parent
        label = self.family.groups(area, b)[g]
        best, most = None, -1
        for child in self.family.children[area]:
            labels = self.family.groups(child, b)
            if child != area and label in labels:
                count = int(self.exact["new"][(child, b)][labels.index(label), d])
                if count > most:
                    best, most = child, count
        return best

    def smallest_visible(self, key: Key, series: str, rows: Iterable[int], d: int) -> int | None:
        """Row of the smallest visible non-zero cell among ``rows`` on date ``d``."""
        table = self.exact[series][key]
        found = [(int(table[r, d]), r) for r in rows if self.visible(key, (series, r, d))]
        return min(found)[1] if found else None


def _ring(series: str, g: int, d: int, wide: int) -> list[Cell]:
    """A cell's compensation cells: next day only, or ``wide`` days either side."""
    if not wide:
        if series == "new":
            return [("new", g, d + 1), ("cumulative", g, d)]
        return [("new", g, d), ("new", g, d + 1)]
    days = range(d - wide, d + wide + 1)
    return [("new", g, t) for t in days] + [("cumulative", g, t) for t in days]


def _partner(
    plan: SuppressionPlan, key: Key, series: str, rows: list[int], d: int, wide: int, via
) -> int | None:
    r = plan.smallest_visible(key, series, rows, d)
    if r is not None:
        plan.suppress(key, [(series, r, d), *_ring(series, r, d, wide)], via)
    return r


def _repair_cell(plan: SuppressionPlan, key: Key, cell: Cell, round_no: int) -> None:
    series, g, d = cell
    area, b = key
    wide = round_no // 2  # widen the ring every other round
    via = plan.via(key, g, d)
    plan.suppress(key, _ring(series, g, d, wide), via)
    family, layout = plan.family, plan.layout
    n_rows = family.exact_new[key].shape[0]
    if wide and b != TOTAL:
        plan.suppress((area, TOTAL), _ring(series, 0, d, wide), via)
    if b == TOTAL:
        for other in family.breakdowns:
            if other != TOTAL:
                busiest = int(family.exact_new[(area, other)][:, d].argmax())
                plan.suppress((area, other), _ring(series, busiest, d, wide), via)
        return
    cross = layout.cross_of.get(b)
    if cross is None:
        _partner(plan, key, series, [r for r in range(n_rows) if r != g], d, wide, via)
        return
    grid = layout.grids[(area, cross.name)]
    if b == cross.name:
        row, col = grid.row_of[g], grid.col_of[g]
        same_row = [int(r) for r in np.nonzero(grid.row_of == row)[0] if r != g]
        g2 = _partner(plan, key, series, same_row, d, wide, via)
        margin = (area, cross.cols)
        plan.suppress(margin, _ring(series, int(col), d, wide), via)
        if g2 is not None:
            col2 = int(grid.col_of[g2])
            plan.suppress(margin, [(series, col2, d), *_ring(series, col2, d, wide)], via)
        return
    _partner_in_cross(plan, key, series, g, d, wide, via)


def _partner_in_cross(
    plan: SuppressionPlan, key: Key, series: str, g: int, d: int, wide: int, via
) -> None:
    area, b = key
    cross = plan.layout.cross_of[b]
    grid = plan.layout.grids[(area, cross.name)]
    mine, theirs = (grid.row_of, grid.col_of) if b == cross.rows else (grid.col_of, grid.row_of)
    n_rows = plan.family.exact_new[key].shape[0]
    g2 = _partner(plan, key, series, [r for r in range(n_rows) if r != g], d, wide, via)
    xkey = (area, cross.name)
    mine_cells = np.nonzero(mine == g)[0]
    if not len(mine_cells):
        return
    x = int(mine_cells[plan.exact["new"][xkey][mine_cells, d].argmax()])
    plan.suppress(xkey, _ring(series, x, d, wide), via)
    if g2 is not None:
        partner = np.nonzero((mine == g2) & (theirs == theirs[x]))[0]
        for x2 in partner:
            plan.suppress(xkey, [(series, int(x2), d), *_ring(series, int(x2), d, wide)], via)


def add_secondary(plan: SuppressionPlan, report: AuditReport, round_no: int) -> int:
    """Suppress more cells around every exposed one; returns how many were added."""
    before = len(plan.added)
    for series, failing in (("new", report.failing_new), ("cumulative", report.failing_cum)):
        for key, mask in failing.items():
            for g, d in zip(*np.nonzero(mask), strict=True):
                _repair_cell(plan, key, (series, int(g), int(d)), round_no)
    return len(plan.added) - before
