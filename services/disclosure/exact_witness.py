"""Exact witness search around one exposed cell: an integer program solved with HiGHS.

The pattern screen (``witness``) is fast but only knows a few shapes of alternative truth. For
a cell it cannot certify, this module asks the exact question on a window of dates around it:
with every cell outside the window held at its true value, how far up and down can the cell
go while every published interval (this release and earlier ones), every sum and every
cumulative series still holds? The optimum is itself an integer witness, so a cell certified
here is safe against any attacker; holding the outside fixed only makes the search stricter.
An LTLA's upper-tier area moves with it (its other LTLAs held fixed), so the slacks used are
those merged along the chain, as in the screen.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from services.disclosure.family import TOTAL
from services.disclosure.layout import CrossGrid
from services.disclosure.slack import Slack


class _Program:
    """Variables: deviation from the truth of each daily cell in the window."""

    def __init__(self, slacks: Mapping[str, Slack], first: int, last: int) -> None:
        self.first, self.last = first, last
        self.offset: dict[str, int] = {}
        n = 0
        for name, s in slacks.items():
            self.offset[name] = n
            n += s.up_new.shape[0] * (last - first + 1)
        self.n = n
        self.rows: list[tuple[list[int], list[float], float, float]] = []

    def var(self, name: str, g: int, t: int) -> int:
        return self.offset[name] + g * (self.last - self.first + 1) + (t - self.first)

    def add(self, cols: list[int], coefs: list[float], lo: float, hi: float) -> None:
        self.rows.append((cols, coefs, lo, hi))

    def constraint(self) -> LinearConstraint:
        r = [i for i, (cols, _, _, _) in enumerate(self.rows) for _ in cols]
        c = [col for cols, _, _, _ in self.rows for col in cols]
        v = [x for _, coefs, _, _ in self.rows for x in coefs]
        matrix = coo_array((v, (r, c)), shape=(len(self.rows), self.n)).tocsr()
        lo = np.array([row[2] for row in self.rows], dtype=float)
        hi = np.array([row[3] for row in self.rows], dtype=float)
        return LinearConstraint(matrix, lo, hi)


def _build(
    slacks: Mapping[str, Slack], grids: Mapping[str, CrossGrid], first: int, last: int
) -> tuple[_Program, Bounds]:
    prog = _Program(slacks, first, last)
    lower = np.zeros(prog.n)
    upper = np.zeros(prog.n)
    window = range(first, last + 1)
    for name, s in slacks.items():
        n_groups, n_dates = s.up_new.shape
        for g in range(n_groups):
            cols = [prog.var(name, g, t) for t in window]
            lower[cols] = -s.dn_new[g, first : last + 1]
            upper[cols] = s.up_new[g, first : last + 1]
            for i, t in enumerate(window):  # cumulative cells inside the window
                prog.add(cols[: i + 1], [1.0] * (i + 1), -s.dn_cum[g, t], s.up_cum[g, t])
            if last + 1 < n_dates:  # every later cumulative cell shifts by the window's net
                prog.add(
                    cols,
                    [1.0] * len(cols),
                    -s.dn_cum[g, last + 1 :].min(),
                    s.up_cum[g, last + 1 :].min(),
                )
    for name, s in slacks.items():
        if name == TOTAL:
            continue
        for t in window:
            cols = [prog.var(name, g, t) for g in range(s.up_new.shape[0])]
            prog.add([*cols, prog.var(TOTAL, 0, t)], [1.0] * len(cols) + [-1.0], 0, 0)
    for grid in grids.values():
        c = grid.cross
        for margin, of in ((c.rows, grid.row_of), (c.cols, grid.col_of)):
            for m in range(slacks[margin].up_new.shape[0]):
                members = np.nonzero(of == m)[0]
                for t in window:
                    cols = [prog.var(c.name, int(x), t) for x in members]
                    prog.add([*cols, prog.var(margin, m, t)], [1.0] * len(cols) + [-1.0], 0, 0)
    return prog, Bounds(lower, upper)


def exact_room(
    slacks: Mapping[str, Slack],
    grids: Mapping[str, CrossGrid],
    cell: tuple[str, str, int, int],
    *,
    half_window: int = 3,
) -> tuple[int, int]:
    """``(down, up)``: proven room of one cell ``(series, breakdown, group, date)``."""
    series, name, g, d = cell
    n_dates = slacks[TOTAL].up_new.shape[1]
    first, last = max(0, d - half_window), min(n_dates - 1, d + half_window)
    prog, bounds = _build(slacks, grids, first, last)
    objective = np.zeros(prog.n)
    upto = d if series == "new" else first
    for t in range(upto, d + 1):
        objective[prog.var(name, g, t)] = 1.0
    constraint = prog.constraint()
    extremes = []
    for sign in (1.0, -1.0):  # minimise the cell's deviation, then maximise it
        result = milp(
            sign * objective, constraints=constraint, integrality=np.ones(prog.n), bounds=bounds
        )
        # The truth (all zeros) is always feasible; a failed solve proves nothing.
        extremes.append(0 if result.x is None else round(float(objective @ result.x)))
    return max(0, -extremes[0]), max(0, extremes[1])
