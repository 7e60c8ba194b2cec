"""The attacker: interval bounds on every daily and cumulative count, by constraint propagation.

The attacker starts from what each published cell means (``Publication.lo/hi``), anything it
knew before (earlier releases, the headline tables) and non-negativity, then tightens the
bounds through every link of the family until nothing changes:

* each sum ``S = x_1 + … + x_n``, on the cumulative counts and on the daily ones alike (a
  linear equality that holds every day holds for the day-to-day differences):
  ``S ∈ [Σ lo, Σ hi]`` and ``x_i ∈ [S_lo − Σ_{j≠i} hi_j, S_hi − Σ_{j≠i} lo_j]``;
* the chain ``cum[d] = cum[d−1] + new[d]`` with ``new >= 0`` (cumulative counts never fall);
* ``at_most`` pairs: ``x <= y`` tightens ``x``'s upper and ``y``'s lower bound.

Every step intersects an interval with another that provably holds the truth, so the bounds
always contain the true counts. Propagation reasons one constraint at a time; an LP or integer
attacker can in principle combine constraints more strongly, which is why the test suite
attacks published releases with an independent linear-programming attacker as well.
``UNBOUNDED`` stands for +infinity; sums are clipped to it, so nothing overflows.
"""

from __future__ import annotations

import numpy as np

from services.disclosure.linked.bounds import UNBOUNDED
from services.disclosure.linked.constraints import Constraints, SumBlock

MAX_SWEEPS = 40


def _tighten_block(block: SumBlock, lo: np.ndarray, hi: np.ndarray) -> None:
    s_lo = block.matrix @ lo
    s_hi = block.matrix @ hi
    t, m, c = block.targets, block.members, block.owner
    lo_t = np.maximum(lo[t], s_lo)
    hi_t = np.minimum(hi[t], np.minimum(s_hi, UNBOUNDED))
    lo[t], hi[t] = lo_t, hi_t
    lo_m, hi_m = lo[m], hi[m]
    lo[m] = np.maximum(lo_m, lo_t[c] - (s_hi[c] - hi_m))
    hi[m] = np.minimum(hi_m, hi_t[c] - (s_lo[c] - lo_m))


def _reverse_accumulate(ufunc: np.ufunc, x: np.ndarray) -> np.ndarray:
    result: np.ndarray = ufunc.accumulate(x[:, ::-1], axis=1)[:, ::-1]
    return result


def _tighten_chain(lo: np.ndarray, hi: np.ndarray, n_dates: int) -> None:
    n_lo, n_hi = lo[:, :n_dates], hi[:, :n_dates]
    c_lo, c_hi = lo[:, n_dates:], hi[:, n_dates:]
    p_lo, p_hi = np.cumsum(n_lo, axis=1), np.cumsum(n_hi, axis=1)
    # Forward: cum[d] >= cum[t] + new[t+1..d] for every t < d (and cum[-1] = 0).
    c_lo[...] = np.maximum(np.maximum.accumulate(c_lo - p_lo, axis=1), 0) + p_lo
    c_hi[...] = np.minimum(
        np.minimum(np.minimum.accumulate(c_hi - p_hi, axis=1), 0) + p_hi, UNBOUNDED
    )
    # Backward: cum[t] >= cum[d] - new[t+1..d] for every d > t.
    c_lo[...] = _reverse_accumulate(np.maximum, c_lo - p_hi) + p_hi
    c_hi[...] = np.minimum(_reverse_accumulate(np.minimum, c_hi - p_lo) + p_lo, UNBOUNDED)
    before_lo = np.concatenate([np.zeros_like(c_lo[:, :1]), c_lo[:, :-1]], axis=1)
    before_hi = np.concatenate([np.zeros_like(c_hi[:, :1]), c_hi[:, :-1]], axis=1)
    n_lo[...] = np.maximum(n_lo, c_lo - before_hi)
    n_hi[...] = np.minimum(n_hi, c_hi - before_lo)


def _tighten_order(c: Constraints, lo: np.ndarray, hi: np.ndarray, n_dates: int) -> None:
    if not len(c.smaller):
        return
    cum = slice(n_dates, 2 * n_dates)
    small, large = c.smaller, c.larger
    hi[small, cum] = np.minimum(hi[small, cum], hi[large, cum])
    lo[large, cum] = np.maximum(lo[large, cum], lo[small, cum])


def _chain_rows(lo: np.ndarray, hi: np.ndarray, n_dates: int, rows: np.ndarray) -> None:
    """The chain on some rows only (rows are independent in the chain)."""
    if len(rows) == lo.shape[0]:
        _tighten_chain(lo, hi, n_dates)
        return
    sub_lo, sub_hi = lo[rows], hi[rows]
    _tighten_chain(sub_lo, sub_hi, n_dates)
    lo[rows], hi[rows] = sub_lo, sub_hi


def _sums_cols(c: Constraints, lo: np.ndarray, hi: np.ndarray, cols: np.ndarray) -> None:
    """Every sum on some columns only (columns are independent in a sum)."""
    if len(cols) * 2 > lo.shape[1]:
        for block in c.blocks:
            _tighten_block(block, lo, hi)
        return
    sub_lo, sub_hi = lo[:, cols], hi[:, cols]
    for block in c.blocks:
        _tighten_block(block, sub_lo, sub_hi)
    lo[:, cols], hi[:, cols] = sub_lo, sub_hi


def propagate(
    c: Constraints,
    lo: np.ndarray,
    hi: np.ndarray,
    n_dates: int,
    dirty: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """Tighten ``lo``/``hi`` (``[rows × 2·dates]``: daily then cumulative) in place; sweeps.

    A step given the same input gives the same output, so after the first sweep only the
    rows (chain) and columns (sums) that changed since are tightened again; ``dirty`` (row
    and column masks) restricts the first sweep too, when only those cells changed.
    """
    rows_dirty = np.ones(lo.shape[0], dtype=bool) if dirty is None else dirty[0].copy()
    cols_dirty = np.ones(lo.shape[1], dtype=bool) if dirty is None else dirty[1].copy()
    for sweep in range(1, MAX_SWEEPS + 1):
        before_lo, before_hi = lo.copy(), hi.copy()
        if rows_dirty.any():
            _chain_rows(lo, hi, n_dates, np.flatnonzero(rows_dirty))
            _tighten_order(c, lo, hi, n_dates)
            np.maximum(lo, 0, out=lo)
            changed = (lo != before_lo) | (hi != before_hi)
            cols_dirty |= changed.any(axis=0)
        if cols_dirty.any():
            _sums_cols(c, lo, hi, np.flatnonzero(cols_dirty))
            np.maximum(lo, 0, out=lo)
            np.minimum(hi, UNBOUNDED, out=hi)
        changed = (lo != before_lo) | (hi != before_hi)
        if not changed.any():
            return sweep
        rows_dirty, cols_dirty = changed.any(axis=1), changed.any(axis=0)
        # The order pairs link rows: a changed row dirties its partner's chain too.
        if len(c.smaller):
            rows_dirty[c.smaller] |= rows_dirty[c.larger]
            rows_dirty[c.larger] |= rows_dirty[c.smaller]
    return MAX_SWEEPS


def attacker_bounds(
    c: Constraints,
    cum_lo: np.ndarray,
    cum_hi: np.ndarray,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds ``[rows × 2·dates]`` (daily then cumulative) from cumulative bounds and priors.

    ``prior`` is what the attacker knew already, in the same stacked shape (open where
    nothing was known).
    """
    n_rows, n_dates = cum_lo.shape
    lo = np.zeros((n_rows, 2 * n_dates), dtype=np.int64)
    hi = np.full((n_rows, 2 * n_dates), UNBOUNDED, dtype=np.int64)
    lo[:, n_dates:], hi[:, n_dates:] = cum_lo, cum_hi
    if prior is not None:
        np.maximum(lo, prior[0], out=lo)
        np.minimum(hi, prior[1], out=hi)
    propagate(c, lo, hi, n_dates)
    return lo, hi
