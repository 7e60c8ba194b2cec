"""Witness capacities: how far a cell can provably move while everything published holds.

The audit certifies a protected cell by exhibiting alternative truths (integer assignments
that agree with every published interval and every linear link) in which the cell takes
other values. A witness is a small pattern of moves that keeps every link exact:

* **swap** (within one breakdown): the cell goes up by k, other groups of the same table on
  the same day go down by k in total, so the day's total is unchanged; each moved group is
  compensated on the next day (``next``), on the previous day (``prev``), or not at all
  (``end``: its cumulative series shifts to the last date), so cumulative cells move only on
  the day(s) between. For a cross (rows × cols) the partners are in the cell's row and/or
  column, and the margins they touch move with them.
* **shift** (the whole area): the area's total goes up by k on one day and down on the
  compensating day, and every breakdown moves some of its groups with it.

Moves in an LTLA move its upper-tier area identically, so every slack used here is the
minimum of the two. Because the moved cells stay inside intervals that contain every value
between, all shifts from 0 to the capacity are genuine alternatives, so a cell with up
capacity u and down capacity d can be anything in ``[v - d, v + u]`` as far as anyone can
prove. Capacities are therefore *lower* bounds on what stays hidden: sound against any
attacker (exact LP or integer search) who knows only the published figures and the links.

Arrays are ``[groups × dates]``; ``a`` is the capacity of a pattern side when its anchor cell
moves up, ``b`` when it moves down (a partner moving down is a side moving down).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from services.disclosure.family import TOTAL
from services.disclosure.layout import CrossGrid
from services.disclosure.slack import Slack


@dataclass(frozen=True, eq=False)
class Capacity:
    """Proven room up and down of the daily and cumulative cells of one table."""

    up_new: np.ndarray
    dn_new: np.ndarray
    up_cum: np.ndarray
    dn_cum: np.ndarray


def _shift(x: np.ndarray, by: int, fill: int) -> np.ndarray:
    """``x[:, d + by]`` at ``d`` (along the last axis), ``fill`` outside the dates."""
    out = np.full_like(x, fill)
    if by > 0:
        out[..., :-by] = x[..., by:]
    else:
        out[..., -by:] = x[..., :by]
    return out


def _sides(s: Slack, cap: int, reach: int) -> dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]:
    """Per compensation option, the (a, b) side capacities of every anchor cell.

    ``("next", n)``: compensated n days later, cumulative cells of the n days between move;
    ``("prev", n)``: compensated n days earlier; ``("end", 0)``: never compensated.
    """
    m = np.minimum
    sides = {}
    cum_up, cum_dn = s.up_cum, s.dn_cum  # running minima over the days in between
    back_up = back_dn = None
    for n in range(1, reach + 1):
        if n > 1:
            cum_up = m(cum_up, _shift(s.up_cum, n - 1, cap))
            cum_dn = m(cum_dn, _shift(s.dn_cum, n - 1, cap))
        sides[("next", n)] = (
            m(m(s.up_new, _shift(s.dn_new, n, cap)), cum_up),
            m(m(s.dn_new, _shift(s.up_new, n, cap)), cum_dn),
        )
        back_up = (
            _shift(s.up_cum, -n, 0) if back_up is None else m(back_up, _shift(s.up_cum, -n, 0))
        )
        back_dn = (
            _shift(s.dn_cum, -n, 0) if back_dn is None else m(back_dn, _shift(s.dn_cum, -n, 0))
        )
        sides[("prev", n)] = (
            m(m(s.up_new, _shift(s.dn_new, -n, 0)), back_dn),
            m(m(s.dn_new, _shift(s.up_new, -n, 0)), back_up),
        )
    suffix_up = np.minimum.accumulate(s.up_cum[..., ::-1], axis=-1)[..., ::-1]
    suffix_dn = np.minimum.accumulate(s.dn_cum[..., ::-1], axis=-1)[..., ::-1]
    sides[("end", 0)] = (m(s.up_new, suffix_up), m(s.dn_new, suffix_dn))
    return sides


def _swap_cross(
    a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up capacity of cross cells, row margins and column margins by swaps."""
    a_x, a_r, a_c = a
    b_x, b_r, b_c = b
    row_partner = np.minimum(b_x, b_c[None])  # partner in my row moves its column margin
    row_room = row_partner.sum(axis=1, keepdims=True) - row_partner
    col_partner = np.minimum(b_x, b_r[:, None])
    col_room = col_partner.sum(axis=0, keepdims=True) - col_partner
    up_x = np.minimum(a_x, np.minimum(a_c[None], row_room) + np.minimum(a_r[:, None], col_room))
    up_r = np.minimum(a_r, np.minimum(a_x, col_room).max(axis=1))
    up_c = np.minimum(a_c, np.minimum(a_x, row_room).max(axis=0))
    return up_x, up_r, up_c


def _shift_cross(a: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """A cross unit's room to follow a total shift: (unit, cross cells, rows, cols)."""
    a_x, a_r, a_c = a
    row_flow = np.minimum(a_r, np.minimum(a_x, a_c[None]).sum(axis=1))
    col_flow = np.minimum(a_c, np.minimum(a_x, a_r[:, None]).sum(axis=0))
    unit = np.maximum(row_flow.max(axis=0), col_flow.max(axis=0))
    forced_x = np.minimum(np.minimum(a_x, a_r[:, None]), a_c[None])
    return unit, forced_x, row_flow, col_flow


def _excluding_each(units: np.ndarray, cap: int) -> np.ndarray:
    """For each unit (row), the minimum over the *other* units, per date."""
    if units.shape[0] == 1:
        return np.full_like(units, cap)
    order = np.sort(units, axis=0)
    first = units.argmin(axis=0)
    rows = np.arange(units.shape[0])[:, None]
    return np.where(rows == first[None], order[1][None], order[0][None])


def _direction(
    sides: Mapping[str, tuple[np.ndarray, np.ndarray]],
    grids: Mapping[str, CrossGrid],
    up: bool,
    cap: int,
) -> dict[str, np.ndarray]:
    """Capacity of each table's daily cells in one direction, for one option's sides."""
    a = {k: v[0] if up else v[1] for k, v in sides.items()}
    b = {k: v[1] if up else v[0] for k, v in sides.items()}
    in_cross = {n for g in grids.values() for n in (g.cross.name, g.cross.rows, g.cross.cols)}
    swap: dict[str, np.ndarray] = {}
    forced: dict[str, np.ndarray] = {}
    unit_of: dict[str, int] = {}
    units: list[np.ndarray] = []
    simple = [name for name in a if name not in in_cross]
    for name in simple:
        unit_of[name] = len(units)
        units.append(a[name].sum(axis=0))
    for grid in grids.values():
        c = grid.cross
        a3 = (grid.to_dense(a[c.name]), a[c.rows], a[c.cols])
        b3 = (grid.to_dense(b[c.name]), b[c.rows], b[c.cols])
        up_x, swap[c.rows], swap[c.cols] = _swap_cross(a3, b3)
        swap[c.name] = grid.from_dense(up_x)
        unit, forced_x, forced[c.rows], forced[c.cols] = _shift_cross(a3)
        forced[c.name] = grid.from_dense(forced_x)
        for n in (c.name, c.rows, c.cols):
            unit_of[n] = len(units)
        units.append(unit)
    others = _excluding_each(np.minimum(np.stack(units), cap), cap)
    result = {
        name: np.maximum(swap[name], np.minimum(forced[name], others[unit_of[name]][None]))
        for name in swap
    }
    for name in simple:
        # Swap and shift combined: partners absorb part of the rise, the other breakdowns
        # (through the total) the rest; only the cell's own side carries all of it.
        partners = b[name].sum(axis=0) - b[name] if name != TOTAL else 0
        result[name] = np.minimum(a[name], partners + others[unit_of[name]][None])
    return result


def _window_max(x: np.ndarray, offsets: range) -> np.ndarray:
    """``max(x[:, d + j] for j in offsets)`` at each ``d`` (0 outside the dates)."""
    out = np.zeros_like(x)
    for j in offsets:
        out = np.maximum(out, _shift(x, j, 0) if j else x)
    return out


def chain_capacity(
    slacks: Mapping[str, Slack], grids: Mapping[str, CrossGrid], cap: int, reach: int = 3
) -> dict[str, Capacity]:
    """Capacities of every table of one area (slacks already merged along its chain).

    ``reach``: how many days away a move may be compensated (more finds more witnesses).
    """
    sides_of = {name: _sides(s, cap, reach) for name, s in slacks.items()}
    result = {}
    for option in sides_of[TOTAL]:
        sides = {name: sides_of[name][option] for name in slacks}
        up, dn = _direction(sides, grids, True, cap), _direction(sides, grids, False, cap)
        kind, n = option
        for name in slacks:
            # The cumulative cells a move shifts: those between the anchor day and the
            # compensating day (up when the anchor rises after it, down when before it).
            if kind == "next":
                cum_up, cum_dn = (
                    _window_max(up[name], range(-n + 1, 1)),
                    _window_max(dn[name], range(-n + 1, 1)),
                )
            elif kind == "prev":
                cum_up, cum_dn = (
                    _window_max(dn[name], range(1, n + 1)),
                    _window_max(up[name], range(1, n + 1)),
                )
            else:
                cum_up = np.maximum.accumulate(up[name], axis=-1)
                cum_dn = np.maximum.accumulate(dn[name], axis=-1)
            if name not in result:
                result[name] = Capacity(up[name], dn[name], cum_up, cum_dn)
            else:
                c = result[name]
                result[name] = Capacity(
                    np.maximum(c.up_new, up[name]),
                    np.maximum(c.dn_new, dn[name]),
                    np.maximum(c.up_cum, cum_up),
                    np.maximum(c.dn_cum, cum_dn),
                )
    return result
