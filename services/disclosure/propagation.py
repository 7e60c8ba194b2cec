"""The fast attacker: interval bounds on every cell by constraint propagation.

The attacker starts from what each published value means (``Policy.bounds``: suppressed is
``[1, UNBOUNDED]``, 0 is ``[0, 0]``, a rounded v is ``[v-2, v+2]`` under NHS Digital), from
non-negativity, and, for a cell whose exact value has not changed since an earlier release,
from the interval that release let an attacker prove (itself propagated the same way). It
then tightens the bounds through every linear equality of the family (``linked_rows``):

* a sum ``S = x_1 + … + x_n``: ``S ∈ [Σ lo, Σ hi]`` and
  ``x_i ∈ [S_lo − Σ_{j≠i} hi_j, S_hi − Σ_{j≠i} lo_j]``, for every date and both series
  (breakdowns to the total, a cross to its margins, an upper-tier area to its LTLAs);
* the cumulative chain ``cum[d] = cum[d−1] + new[d]`` (``cum[−1] = 0``), by running
  maxima/minima of prefix sums, so a bound travels the whole series in one sweep.

Each step only intersects an interval with another interval that provably contains the true
value, so every bound always contains the truth (soundness). Sweeps repeat until nothing
changes or ``max_sweeps`` is reached; stopping early leaves intervals wider than the fixpoint,
i.e. it can only *under*-estimate this attacker, never claim a false bound.

What interval propagation does not see: it reasons one constraint at a time, so it can miss
what an LP attacker derives by combining constraints, and it ignores integrality (an integer
attacker can be stronger still). ``fast_protect`` therefore follows small families up with an
exact integer program; on large families the propagated intervals are the audit's attacker.
``UNBOUNDED`` stands for +infinity; sums are clipped back to it, so nothing overflows int64.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from services.disclosure.family import FamilyInput, Key, PreviousRelease
from services.disclosure.linked_rows import LinkedRows, SumFamily
from services.disclosure.policy import Policy
from services.disclosure.published import UNBOUNDED, PublishedArray

MAX_SWEEPS = 20


def _tighten_sums(f: SumFamily, lo: np.ndarray, hi: np.ndarray) -> None:
    s_lo = f.matrix @ lo
    s_hi = f.matrix @ hi
    t, m, c = f.targets, f.members, f.owner
    lo_t = np.maximum(lo[t], s_lo)
    hi_t = np.minimum(hi[t], s_hi)
    lo[t], hi[t] = lo_t, hi_t
    lo_m, hi_m = lo[m], hi[m]
    # Σ_{j≠i} hi_j = s_hi − hi_i, exactly: bounds are ints well inside int64.
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


def _chain_rows(lo: np.ndarray, hi: np.ndarray, n_dates: int, dirty: np.ndarray) -> None:
    """The chain on the rows marked dirty only (rows are independent in the chain)."""
    if dirty.all():
        _tighten_chain(lo, hi, n_dates)
        return
    idx = np.flatnonzero(dirty)
    sub_lo, sub_hi = lo[idx], hi[idx]
    _tighten_chain(sub_lo, sub_hi, n_dates)
    lo[idx], hi[idx] = sub_lo, sub_hi


def _sums_cols(rows: LinkedRows, lo: np.ndarray, hi: np.ndarray, dirty: np.ndarray) -> None:
    """Every sum family on the columns marked dirty only (columns are independent in a sum)."""
    if dirty.sum() * 2 > len(dirty):
        for f in rows.sums:
            _tighten_sums(f, lo, hi)
        return
    idx = np.flatnonzero(dirty)
    sub_lo, sub_hi = lo[:, idx], hi[:, idx]
    for f in rows.sums:
        _tighten_sums(f, sub_lo, sub_hi)
    lo[:, idx], hi[:, idx] = sub_lo, sub_hi


def propagate(
    rows: LinkedRows, lo: np.ndarray, hi: np.ndarray, max_sweeps: int = MAX_SWEEPS
) -> int:
    """Tighten ``lo``/``hi`` (``[rows × 2·dates]``, in place) to a fixpoint; returns sweeps.

    A step given the same input gives the same output, so after the first sweep only the
    rows (chain) and columns (sums) that changed since are tightened again.
    """
    dirty_rows = np.ones(lo.shape[0], dtype=bool)
    dirty_cols = np.ones(lo.shape[1], dtype=bool)
    for sweep in range(1, max_sweeps + 1):
        before_lo, before_hi = lo.copy(), hi.copy()
        if dirty_rows.any():
            _chain_rows(lo, hi, rows.n_dates, dirty_rows)
            np.maximum(lo, 0, out=lo)
            np.minimum(hi, UNBOUNDED, out=hi)
            dirty_cols = dirty_cols | ((lo != before_lo) | (hi != before_hi)).any(axis=0)
        if dirty_cols.any():
            _sums_cols(rows, lo, hi, dirty_cols)
            np.maximum(lo, 0, out=lo)
            np.minimum(hi, UNBOUNDED, out=hi)
        changed = (lo != before_lo) | (hi != before_hi)
        if not changed.any():
            return sweep
        dirty_rows, dirty_cols = changed.any(axis=1), changed.any(axis=0)
    return max_sweeps


def published_bounds(
    rows: LinkedRows,
    policy: Policy,
    new: Mapping[Key, PublishedArray],
    cum: Mapping[Key, PublishedArray],
) -> tuple[np.ndarray, np.ndarray]:
    """Stacked ``(lo, hi)`` of what the published values alone say; unknown tables are open."""
    shape = (rows.n_rows, 2 * rows.n_dates)
    lo = np.zeros(shape, dtype=np.int64)
    hi = np.full(shape, UNBOUNDED, dtype=np.int64)
    d = rows.n_dates
    for key in rows.offset:
        r = rows.rows(key)
        for published, cols in ((new.get(key), slice(0, d)), (cum.get(key), slice(d, 2 * d))):
            if published is not None:
                lo[r, cols], hi[r, cols] = policy.bounds(published)
    np.maximum(lo, 0, out=lo)
    return lo, hi


def _previous_once(rows: LinkedRows, old: PreviousRelease) -> tuple[np.ndarray, np.ndarray]:
    n_old = len(old.dates)
    then = replace(rows, n_dates=n_old)
    lo, hi = published_bounds(then, old.policy, old.published_new, old.published_cumulative)
    propagate(then, lo, hi)
    shape = (rows.n_rows, 2 * rows.n_dates)
    out_lo = np.zeros(shape, dtype=np.int64)
    out_hi = np.full(shape, UNBOUNDED, dtype=np.int64)
    d = rows.n_dates
    family = rows.family
    for key, old_exact in old.exact_new.items():
        r = rows.rows(key)
        exact = family.exact_new[key][:, :n_old]
        same_new = old_exact == exact
        same_cum = np.cumsum(old_exact, axis=1) == np.cumsum(exact, axis=1)
        for same, cols, old_cols in (
            (same_new, slice(0, n_old), slice(0, n_old)),
            (same_cum, slice(d, d + n_old), slice(n_old, 2 * n_old)),
        ):
            out_lo[r, cols] = np.where(same, lo[r, old_cols], 0)
            out_hi[r, cols] = np.where(same, hi[r, old_cols], UNBOUNDED)
    return out_lo, out_hi


def previous_bounds(rows: LinkedRows, family: FamilyInput) -> tuple[np.ndarray, np.ndarray]:
    """What earlier releases let an attacker prove about cells that have not changed since."""
    shape = (rows.n_rows, 2 * rows.n_dates)
    lo = np.zeros(shape, dtype=np.int64)
    hi = np.full(shape, UNBOUNDED, dtype=np.int64)
    for old in family.previous:
        old_lo, old_hi = _previous_once(rows, old)
        np.maximum(lo, old_lo, out=lo)
        np.minimum(hi, old_hi, out=hi)
    return lo, hi


def attacker_bounds(
    rows: LinkedRows,
    policy: Policy,
    new: Mapping[Key, PublishedArray],
    cum: Mapping[Key, PublishedArray],
    prior: tuple[np.ndarray, np.ndarray],
    max_sweeps: int = MAX_SWEEPS,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Propagated ``(lo, hi, sweeps)`` of every stacked cell given this release and ``prior``."""
    lo, hi = published_bounds(rows, policy, new, cum)
    np.maximum(lo, prior[0], out=lo)
    np.minimum(hi, prior[1], out=hi)
    sweeps = propagate(rows, lo, hi, max_sweeps)
    return lo, hi, sweeps
