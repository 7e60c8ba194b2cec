"""Secondary suppression driven by the propagated bounds: open the constraints that pin a cell.

After propagation every bound of a cell is either its own published bound or what one linear
constraint implies from the other cells' bounds. For each exposed cell, every constraint whose
implied bound is the cell's current bound (a *binding* constraint) gets its smallest visible
non-zero participant suppressed: the next-smallest cell of the same table on the same day,
the total, a margin, the matching LTLA or upper-tier cell, or (for the cumulative chain) the
day's or the day before's cumulative value, or the neighbouring daily value. An exposed cell
that is itself visible (midpoint-6 shows small values) is suppressed too. Everything is done
on whole ``[rows × 2·dates]`` arrays at once.

Zeros are never suppressed (a published 0 is exact, and a suppressed value must still mean
"at least 1"), and suppression only ever widens what is published.
"""

from __future__ import annotations

import numpy as np

from services.disclosure.linked_rows import LinkedRows, SumFamily
from services.disclosure.published import UNBOUNDED

NONE = np.iinfo(np.int64).max
BLAME_DEPTH = 4
"""How many links back a pin is traced through withheld cells in one round."""


def _encoded(exact: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """Sortable ``value * rows + row`` of candidate cells, ``NONE`` elsewhere."""
    n_rows = exact.shape[0]
    rows = np.arange(n_rows, dtype=np.int64)[:, None]
    return np.where(candidate, exact * n_rows + rows, NONE)


def _binding(implied_lo, implied_hi, lo, hi) -> np.ndarray:
    # A lower bound of 1 is what suppression itself says; only a higher one is a pin.
    return (implied_hi <= hi) | ((implied_lo >= lo) & (lo > 1))


def _sum_partners(
    f: SumFamily,
    lo: np.ndarray,
    hi: np.ndarray,
    exposed: np.ndarray,
    enc: np.ndarray,
    broad: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Cells to suppress so no exposed cell stays pinned by this family, and cells blamed."""
    s_lo, s_hi = f.matrix @ lo, f.matrix @ hi
    t, m, c = f.targets, f.members, f.owner
    lo_m, hi_m = lo[m], hi[m]
    bind_m = _binding(lo[t][c] - (s_hi[c] - hi_m), hi[t][c] - (s_lo[c] - lo_m), lo_m, hi_m)
    bind_t = _binding(s_lo, s_hi, lo[t], hi[t])
    if broad:
        bind_m, bind_t = np.ones_like(bind_m), np.ones_like(bind_t)
    flagged = np.zeros(exposed.shape, dtype=np.int64)
    flagged[m] = exposed[m] & bind_m
    need = ((f.matrix @ flagged) > 0) | (exposed[t] & bind_t)
    add = np.zeros(exposed.shape, dtype=bool)
    if broad:
        add[m] |= need[c] & (enc[m] != NONE)
        add[t] |= need & (enc[t] != NONE)
        return add, np.zeros_like(add)
    best = enc[t].copy()
    if len(m):
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        owners = c[starts]
        best[owners] = np.minimum(best[owners], np.minimum.reduceat(enc[m], starts, axis=0))
    cols = np.nonzero(need & (best != NONE))
    add[best[cols] % exposed.shape[0], cols[1]] = True
    # Nothing visible left in the constraint: the pin comes through its other (withheld)
    # cells, so they are blamed and opened in turn.
    stuck = need & (best == NONE)
    blamed = np.zeros_like(add)
    blamed[m] |= stuck[c]
    blamed[t] |= stuck
    return add, blamed


def _origins(c_lo: np.ndarray, c_hi: np.ndarray, n_lo: np.ndarray) -> tuple[np.ndarray, ...]:
    """Where each cumulative bound comes from along its row: ``(lower from, upper from)``.

    At the fixpoint ``c_lo - P`` and ``c_hi - P`` (``P``: prefix sums of the daily lower
    bounds) never decrease along a row, and are equal exactly where a bound was carried from
    one day to the next; a bound therefore comes from the first day of its stretch (lower) or
    the last (upper), where another link or the published value set it.
    """
    p = np.cumsum(n_lo, axis=1)
    n = c_lo.shape[1]
    cols = np.arange(n)
    h, g = c_lo - p, c_hi - p
    starts = np.ones(h.shape, dtype=bool)
    starts[:, 1:] = h[:, 1:] != h[:, :-1]
    ends = np.ones(g.shape, dtype=bool)
    ends[:, :-1] = g[:, 1:] != g[:, :-1]
    lower = np.maximum.accumulate(np.where(starts, cols, 0), axis=1)
    upper = np.minimum.accumulate(np.where(ends, cols, n)[:, ::-1], axis=1)[:, ::-1]
    return lower, upper


def _chain_partners(
    exposed: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    exact: np.ndarray,
    visible: np.ndarray,
    n_dates: int,
    broad: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative values that close the window of days pinning an exposed cell.

    Between two cumulative bounds the daily cells of a row sum to their difference. The end
    of the window with the least room (the true value closest to the edge of its interval) is
    opened: suppressed if it is visible, otherwise blamed, so that the links that bound it
    (its breakdown's sum on that day) are opened next.
    """
    d = n_dates
    add = np.zeros(exposed.shape, dtype=bool)
    blamed = np.zeros_like(add)
    n_lo, n_hi, c_lo, c_hi = lo[:, :d], hi[:, :d], lo[:, d:], hi[:, d:]
    zero = np.zeros_like(c_lo[:, :1])
    b_lo, b_hi = np.concatenate([zero, c_lo[:, :-1]], 1), np.concatenate([zero, c_hi[:, :-1]], 1)
    lower, upper = _origins(c_lo, c_hi, n_lo)
    pinned_new = exposed[:, :d] & (broad | _binding(c_lo - b_hi, c_hi - b_lo, n_lo, n_hi))
    r, t = np.nonzero(pinned_new)
    a = np.where(t > 0, lower[r, np.maximum(t - 1, 0)], -1)
    b = upper[r, t]
    r2, t2 = np.nonzero(exposed[:, d:])
    a2, b2 = lower[r2, t2], upper[r2, t2]
    r, a, b = np.r_[r, r2], np.r_[a, np.where(a2 < t2, a2, -1)], np.r_[b, np.where(b2 > t2, b2, -1)]
    room_a = np.where(a >= 0, exact[r, d + a] - lo[r, d + a], UNBOUNDED)
    room_b = np.where(b >= 0, hi[r, d + b] - exact[r, d + b], UNBOUNDED)
    for forward, side, take in ((False, a, (a >= 0) & ((room_a < room_b) | broad)),
                                (True, b, (b >= 0) & ((room_b <= room_a) | broad))):  # fmt: skip
        rows, cols = r[take], d + side[take]
        shown = visible[rows, cols]
        add[rows[shown], cols[shown]] = True
        # A withheld end: every withheld day of the window bounds the same sum, so all of
        # their links are opened together rather than one day per round.
        marks = np.zeros_like(c_lo, dtype=bool)
        marks[rows[~shown], cols[~shown] - d] = True
        blamed[:, d:] |= _until_visible(marks, visible[:, d:], forward)
    add[:, d:] = _whole_plateaus(add[:, d:], exact[:, d:], visible[:, d:])
    return add, blamed


def _until_visible(marks: np.ndarray, visible: np.ndarray, forward: bool) -> np.ndarray:
    """Marked cells extended along their row (later or earlier) up to the next visible one."""
    if not forward:
        return _until_visible(marks[:, ::-1], visible[:, ::-1], True)[:, ::-1]
    segment = np.cumsum(visible, axis=1)
    started = np.maximum.accumulate(np.where(marks, segment, -1), axis=1)
    result: np.ndarray = (started == segment) & ~visible
    return result


def _whole_plateaus(chosen: np.ndarray, cum: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Extend chosen cumulative cells to every visible cell of the same unchanged stretch.

    Cumulative values that did not change (no events in between) all bound the same window
    sum; opening one of them alone only moves the window's end by a day.
    """
    change = np.ones(cum.shape, dtype=bool)
    change[:, 1:] = cum[:, 1:] != cum[:, :-1]
    run = np.cumsum(change.ravel()) - 1
    hit = np.bincount(run, weights=chosen.ravel(), minlength=run[-1] + 1) > 0
    result: np.ndarray = chosen | (hit[run].reshape(cum.shape) & visible)
    return result


def partners_to_suppress(
    rows: LinkedRows,
    exact: np.ndarray,
    suppressed: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    exposed: np.ndarray,
    broad: bool = False,
) -> np.ndarray:
    """Mask of visible non-zero cells to suppress next; ``broad`` opens every linked cell."""
    visible = (exact > 0) & ~suppressed
    enc = _encoded(exact, visible)
    add = exposed & visible
    seen = exposed.copy()
    for _ in range(BLAME_DEPTH):
        found, blamed = _chain_partners(exposed, lo, hi, exact, visible, rows.n_dates, broad)
        add |= found
        for f in rows.sums:
            found, more = _sum_partners(f, lo, hi, exposed, enc, broad)
            add |= found
            blamed |= more
        exposed = blamed & (exact > 0) & ~seen
        if not exposed.any():
            break
        seen |= exposed
    result: np.ndarray = add & visible
    return result
