"""The exact integer attacker for small families: HiGHS bounds on every protected cell.

Unknowns are the daily cells of every table; cumulative cells are their prefix sums. The
constraints are the propagated intervals of every daily and cumulative cell (implied by what
is published, so they do not change the feasible set, only help the solver) and every sum of
the family on every date. The smallest and largest feasible value of each protected cell is
then exactly what an attacker with unlimited computing can prove.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array, eye, kron, tril, vstack

from services.disclosure.linked_rows import LinkedRows
from services.disclosure.published import UNBOUNDED


def _open(x: np.ndarray) -> np.ndarray:
    return np.where(x >= UNBOUNDED // 2, np.inf, x.astype(float))


def _program(rows: LinkedRows, lo: np.ndarray, hi: np.ndarray) -> tuple[csr_array, Bounds, tuple]:
    """Matrix of cumulative rows and sums over daily unknowns ``x[r * dates + d]``."""
    n, d = rows.n_rows, rows.n_dates
    prefix = kron(eye(n, format="csr"), tril(np.ones((d, d))), format="csr")
    blocks, b_lo, b_hi = [prefix], [lo[:, d:].ravel()], [_open(hi[:, d:]).ravel()]
    for f in rows.sums:
        # x[target, t] - sum(x[member, t]) = 0 for every constraint and date t.
        coef = np.r_[np.ones(len(f.targets)), -np.ones(len(f.members))]
        which = np.r_[np.arange(len(f.targets)), f.owner]
        row_of = np.r_[f.targets, f.members]
        incidence = coo_array((coef, (which, row_of)), shape=(len(f.targets), n))
        blocks.append(kron(incidence, eye(d), format="csr"))
        zeros = np.zeros(len(f.targets) * d)
        b_lo.append(zeros)
        b_hi.append(zeros)
    matrix = csr_array(vstack(blocks, format="csr"))
    bounds = Bounds(lo[:, :d].ravel().astype(float), _open(hi[:, :d]).ravel())
    return matrix, bounds, (np.concatenate(b_lo), np.concatenate(b_hi))


def exact_exposed(
    rows: LinkedRows,
    exact: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    protected: np.ndarray,
    width: int,
) -> np.ndarray:
    """Protected cells the exact attacker pins to fewer than ``width`` values above 0."""
    d = rows.n_dates
    matrix, bounds, (c_lo, c_hi) = _program(rows, lo, hi)
    constraint = LinearConstraint(matrix, c_lo, c_hi)
    # Without sums the matrix is prefix sums over bounded unknowns: an interval matrix, so
    # totally unimodular, and with integer bounds the LP optimum is already the integer one.
    # The LP is solved far faster than the integer program, with the same answer.
    integrality = np.ones(matrix.shape[1]) if rows.sums else None
    exposed = np.zeros(exact.shape, dtype=bool)
    for r, col in zip(*np.nonzero(protected & (lo >= 1)), strict=True):
        objective = np.zeros(matrix.shape[1])
        first = r * d + (col if col < d else 0)
        objective[first : r * d + (col % d) + 1] = 1.0
        extremes = []
        for sign in (1.0, -1.0):
            res = milp(sign * objective, constraints=constraint, integrality=integrality,
                       bounds=bounds)  # fmt: skip
            # Unbounded above (or a failed solve) proves nothing: treat as open.
            extremes.append(None if res.x is None else round(float(objective @ res.x)))
        low, high = extremes
        if low is not None and high is not None and low >= 1 and high - low + 1 < width:
            exposed[r, col] = True
    return exposed
