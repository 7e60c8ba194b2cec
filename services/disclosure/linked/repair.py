"""Repair: loosen the rows that pin an exposed cell, as cheaply as possible.

The rows considered for an exposed cell (a row on a date) are those of the sums that set its
bound — in its own part, or, where the bound came from another grid through a shared row
(a daily series and its weekly sample), in that part on the nearby week's columns — and
failing that every row sharing a sum with it. Where those rows are blank, repair follows the
sums bounding them in turn, on the date a bound was set: a cumulative count never falls, so
an upper bound set by a sum on a later date (a county's breakdown opening, say) holds on
every date before it, and loosening a figure of that later date is what widens it. A row
blank on the cell's date is considered on that later date, where it shows a figure, and a
headline total shown on the cell's date does not end the search (it moves at most to the
nearest 15). Among them, cheapest first:

1. *hold back*: early in a series, where rows' figures are still small (at most
   ``HOLD_MIN`` people, or at most ``HOLD_SHARE`` of their latest figure), show every such row
   from the next date on — a few small early figures become blank, later figures are
   unchanged; a headline total only as a last resort, in a round where no row could be
   loosened otherwise (and failing that, it is coarsened past the nearest 15);
2. *coarsen*: move the largest row (a few people either way in a large group cost least) to
   the policy's next step for its whole series (NHS Digital: nearest 5 -> 15 -> 45 -> 135 ->
   405 -> 1215, flagged), so it stays monotone and its daily figures still add up; a headline
   total only when no other row can;
3. *blank the last figure*: only when no such row, nor any row of the sums bounding them on
   that date (a county's men, where its women are its total less its men), can be held back
   or coarsened, and the figure binds within ``LAG_DAYS`` of the release's last date: blank
   the smallest row's figure on the last date (it keeps its earlier figures; never a group of
   100 or more). Mostly the next day's release, whose new figures would narrow what the
   release before showed (a group shown as 10 yesterday and 15 today grew by at least 1);
   the group is looked at afresh in the next release. A figure the release before gave away
   is never held back: that hides nothing;
4. *withhold*: failing that, blank the smallest row on every date (never a headline total:
   the cell then stays exposed and the release is held for an operator). This mostly hits
   groups of a few people; the loss figures list every withheld group, and a withheld group
   is looked at afresh in the next release.

Loosening only ever widens what a reader can infer, so each round makes progress and nothing
fixed before is exposed again. One row per exposed cell per round, and none for a cell that a
row considered for it was already loosened for in this round (that may have fixed it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from services.disclosure.linked.bounds import UNBOUNDED
from services.disclosure.linked.constraints import Constraints
from services.disclosure.linked.model import RowKey
from services.disclosure.linked.publication import NEVER, Publication, withheld_level
from services.disclosure.policy import Policy

if TYPE_CHECKING:
    from services.disclosure.linked.joint import Part

HOLD_MIN = 30
"""A row may be held back from a date where it shows at most this many people ..."""
HOLD_SHARE = 0.1
"""... or at most this share of its latest figure (early, small figures)."""
STEPS_IN_RANGE = 2
"""A row moves to a coarser step if its latest count spans at least this many steps (a
larger step would blur a mid-sized group); failing any such row, one step is enough."""
EXPENSIVE_MAX_LEVEL = 1
"""A headline total is no coarser than the policy's second step (nearest 15), so it is shown
from 8 people on, like every count under the policy's own rule — unless nothing else can
move (an area whose total is its only district's, say)."""
LAG_DAYS = 7
"""A row whose figure binds within this many days of the release's last date may have its
last figure blanked instead of being withheld."""
LAG_MAX = 99
"""The largest group whose last figure may be blanked: a group of 100 or more people (a
large group, in the loss figures) is never blank on the last date."""
HOPS = 3
"""How many sums deep repair follows blank rows to the figures that bound them."""
NEARBY = 7
"""Days either side of an exposed cell whose sums are searched for the ones pinning it."""

Cell = tuple[int, int]
"""``(part, row)``."""


@dataclass(slots=True)
class RepairState:
    """Each row's coarsening level and first shown (global) date, shared by every part."""

    levels: dict[RowKey, int]
    first_shown: dict[RowKey, int]
    shown_until: dict[RowKey, int]
    keys: list[tuple[RowKey, ...]]
    natural: list[np.ndarray]
    tried: dict[tuple[RowKey, int, bool], set[RowKey]]
    """Per exposed cell (row, date, daily?), the rows already loosened for it."""

    @classmethod
    def start(
        cls,
        parts: Sequence[Part],
        levels: Mapping[RowKey, int],
        first_shown: Mapping[RowKey, int],
        shown_until: Mapping[RowKey, int] | None = None,
    ) -> RepairState:
        """The state repair starts from: given values, else each family's start levels."""
        state = cls(dict(levels), dict(first_shown), dict(shown_until or {}), [], [], {})
        for part in parts:
            keys = part.family.keys
            state.keys.append(keys)
            state.natural.append(part.rule.natural)
            for key, level in zip(keys, part.family.start_levels().tolist(), strict=True):
                state.levels[key] = max(state.levels.get(key, 0), level)
        return state

    def arrays(self, part: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(levels, first_shown, shown_until)`` of one part's rows."""
        keys, natural = self.keys[part], self.natural[part]
        levels = np.array([self.levels.get(k, 0) for k in keys], dtype=np.int64)
        first = np.array(
            [self.first_shown.get(k, n) for k, n in zip(keys, natural.tolist(), strict=True)],
            dtype=np.int64,
        )
        until = np.array([self.shown_until.get(k, NEVER) for k in keys], dtype=np.int64)
        return levels, np.maximum(first, natural), until


def binding_rows(
    constraints: Constraints, lo: np.ndarray, hi: np.ndarray, row: int, col: int, n_cols: int
) -> set[int]:
    """Rows of the sums that set ``row``'s bound in column ``col`` (and, for a daily or
    weekly count, in the cumulative columns it is the difference of)."""
    cols = [col] if col >= n_cols else [col, n_cols + col] + ([n_cols + col - 1] if col else [])
    found: set[int] = set()
    for c in cols:
        for i in constraints.sums_of[row]:
            target, members = constraints.sums[i]
            m = list(members)
            if row == target:
                implied_lo, implied_hi = lo[m, c].sum(), hi[m, c].sum()
            else:
                others = [x for x in m if x != row]
                implied_lo = lo[target, c] - hi[others, c].sum()
                implied_hi = hi[target, c] - lo[others, c].sum()
            if implied_hi <= hi[row, c] or implied_lo >= lo[row, c]:
                found.update((target, *members))
    found.discard(row)
    return found


@dataclass(frozen=True, eq=False)
class Round:
    """Everything repair reads in one round: parts, their links, figures and bounds."""

    parts: Sequence[Part]
    constraints: Sequence[Constraints]
    publications: Sequence[Publication]
    bounds: Sequence[tuple[np.ndarray, np.ndarray]]
    policy: Policy

    @property
    def index(self) -> list[dict[RowKey, int]]:
        """Per part, row key -> row."""
        if not hasattr(self, "_index"):
            found = [{k: r for r, k in enumerate(p.family.keys)} for p in self.parts]
            object.__setattr__(self, "_index", found)
        return self._index  # type: ignore[attr-defined]

    def where(self) -> dict[RowKey, list[Cell]]:
        """Every row key to the parts and rows holding it."""
        found: dict[RowKey, list[Cell]] = {}
        for p, part in enumerate(self.parts):
            for r, key in enumerate(part.family.keys):
                found.setdefault(key, []).append((p, r))
        return found


def loosen_all(state: RepairState, rnd: Round, exposed: Sequence[np.ndarray]) -> bool:
    """Loosen one row for each exposed cell of every part; False if none could be.

    A headline total is held back, or coarsened past the nearest 15, only in a round where
    nothing else could be loosened.
    """
    return _loosen(state, rnd, exposed, last_resort=False) or _loosen(
        state, rnd, exposed, last_resort=True
    )


def _loosen(
    state: RepairState, rnd: Round, exposed: Sequence[np.ndarray], *, last_resort: bool
) -> bool:
    where = rnd.where()
    levels = [state.arrays(p)[0] for p in range(len(rnd.parts))]
    firsts = [state.arrays(p)[1] for p in range(len(rnd.parts))]
    coarsest = withheld_level(rnd.policy) - 1
    touched: set[RowKey] = set()
    seen: set[tuple[RowKey, int]] = set()
    for p, mask in enumerate(exposed):
        part = rnd.parts[p]
        n_cols = part.family.n_dates
        rows, cols = np.nonzero(mask)
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            key = part.family.keys[row]
            date = int(part.rule.col_dates[col % n_cols])
            if (key, date) in seen:
                continue
            seen.add((key, date))
            cells = _considered(rnd, where, p, row, col)
            keys = {rnd.parts[q].family.keys[r] for q, r in cells}
            if keys & touched:
                continue
            tried = state.tried.setdefault((key, date, col < n_cols), set())
            moves = _moves(rnd, cells, levels, firsts, coarsest, tried, last_resort=last_resort)
            for (q, r), kind, when in moves:
                tried.add(rnd.parts[q].family.keys[r])
                k = rnd.parts[q].family.keys[r]
                if kind == "hold":
                    state.first_shown[k] = max(state.first_shown.get(k, 0), when + 1)
                elif kind == "coarsen":
                    state.levels[k] = int(levels[q][r]) + 1
                elif kind == "lag":
                    state.shown_until[k] = min(state.shown_until.get(k, NEVER), when - 1)
                else:
                    state.levels[k] = coarsest + 1
                touched.add(k)
    return bool(touched)


def _considered(
    rnd: Round, where: Mapping[RowKey, list[Cell]], p: int, row: int, col: int
) -> dict[Cell, int]:
    """Rows considered for an exposed cell, each with the date its sum pins the cell on."""
    part = rnd.parts[p]
    n_cols = part.family.n_dates
    key = part.family.keys[row]
    date = int(part.rule.col_dates[col % n_cols])
    binding = binding_rows(rnd.constraints[p], *rnd.bounds[p], row, col, n_cols)
    found: dict[Cell, int] = {(p, r): date for r in binding}
    if not found:
        # The bound was carried along the series or across grids: the sums pinning the row
        # on nearby dates, in every part holding it.
        for q, r in where[key]:
            other = rnd.parts[q]
            dates = other.rule.col_dates
            m = other.family.n_dates
            near = np.flatnonzero((dates >= date - NEARBY) & (dates <= date + NEARBY))
            for c in near.tolist():
                for cc in (c, m + c):
                    rows = binding_rows(rnd.constraints[q], *rnd.bounds[q], r, cc, m)
                    for x in rows:
                        found.setdefault((q, x), int(dates[c]))
    if not found:
        found = {(p, r): date for r in rnd.constraints[p].partners[row]}
    found.setdefault((p, row), date)
    # A blank row bounds the cell only because something bounds it in turn: follow the sums
    # pinning the blank rows (a few hops) to rows that show a figure there.
    frontier = dict(found)
    for _ in range(HOPS):
        if any(_shows(rnd, q, r, d) for (q, r), d in found.items() if (q, r) != (p, row)):
            break
        nxt: dict[Cell, int] = {}
        for (q, r), d in frontier.items():
            other = rnd.parts[q]
            m = other.family.n_dates
            c = _column(other, d)
            if c < 0:
                continue
            for cc in _carried_from(*rnd.bounds[q], r, c, m):
                when = int(other.rule.col_dates[cc])
                for x in binding_rows(rnd.constraints[q], *rnd.bounds[q], r, cc, m):
                    if (q, x) not in found or (
                        _value(rnd, q, x, found[(q, x)]) == 0 and _value(rnd, q, x, when) > 0
                    ):
                        nxt.setdefault((q, x), when)
        if not nxt:
            break
        found.update(nxt)
        frontier = nxt
    return found


def _widened(rnd: Round, cells: Mapping[Cell, int]) -> dict[Cell, int]:
    """The rows considered, and the rows of the sums that bound each of them on its date."""
    wider = dict(cells)
    for (q, r), d in cells.items():
        m = rnd.parts[q].family.n_dates
        c = _column(rnd.parts[q], d)
        if c < 0:
            continue
        for cc in (c, m + c):
            for x in binding_rows(rnd.constraints[q], *rnd.bounds[q], r, cc, m):
                wider.setdefault((q, x), d)
    return wider


def _shows(rnd: Round, q: int, r: int, date: int) -> bool:
    """Whether a row shows a figure on ``date`` that repair can loosen before withholding
    anything (a headline total, coarsened at most to the nearest 15, does not count)."""
    return r not in rnd.parts[q].expensive and _value(rnd, q, r, date) > 0


def _carried_from(lo: np.ndarray, hi: np.ndarray, r: int, c: int, n_cols: int) -> list[int]:
    """Columns whose sums may set row ``r``'s cumulative bounds in column ``c``: ``c`` itself,
    and where a bound is carried along the series (a cumulative count never falls), the last
    column with the same upper bound and the first with the same lower bound."""
    found = [c]
    upper, lower = hi[r, n_cols:], lo[r, n_cols:]
    if upper[c] < UNBOUNDED:
        found.append(c + int(np.flatnonzero(upper[c:] == upper[c])[-1]))
    if lower[c] > 0:
        found.append(int(np.flatnonzero(lower[: c + 1] == lower[c])[0]))
    return sorted(set(found))


def _moves(
    rnd: Round,
    cells: Mapping[Cell, int],
    levels: Sequence[np.ndarray],
    firsts: Sequence[np.ndarray],
    coarsest: int,
    tried: set[RowKey],
    *,
    last_resort: bool,
) -> list[tuple[Cell, str, int]]:
    """The cheapest move among the rows considered (see the module docstring).

    Rows already loosened for this cell in earlier rounds come last: the cell is still
    exposed, so that move did not help and another row is more likely to. Before blanking
    anything, repair looks one sum further (`_widened`): a row whose figure another sum
    implies (a county's women, its total less its men) is pinned by that sum's rows too, and
    one of them may move instead. Then a last figure is blanked (`_lag`), and failing that a
    whole group is withheld.
    """
    fresh = {c: d for c, d in cells.items() if rnd.parts[c[0]].family.keys[c[1]] not in tried}
    for pool in (fresh, cells) if fresh else (cells,):
        moves = _cheapest(rnd, pool, levels, firsts, coarsest, last_resort=last_resort)
        if moves:
            return moves
    own = _own(rnd, cells, levels, firsts, coarsest)
    withheld = _withhold(rnd, own)
    if not withheld:
        return []
    wider = _widened(rnd, cells)
    moves = _cheapest(rnd, wider, levels, firsts, coarsest, last_resort=last_resort)
    if moves:
        return moves
    return _lag(rnd, own) or withheld


def _own(
    rnd: Round,
    cells: Mapping[Cell, int],
    levels: Sequence[np.ndarray],
    firsts: Sequence[np.ndarray],
    coarsest: int,
) -> dict[Cell, int]:
    """The rows that may be loosened, each with the date its figure bounds the cell on."""
    own = {
        (q, r): _anchor(rnd, q, r, date, firsts[q][r])
        for (q, r), date in cells.items()
        if rnd.parts[q].family.published[r]
        and levels[q][r] <= coarsest
        and r not in rnd.parts[q].fixed
    }
    # Loosening a row only helps where its own figure is what bounds it (not earlier
    # releases' figures or other sums): prefer those rows.
    limited = {cell: date for cell, date in own.items() if _own_figure_binds(rnd, *cell, date)}
    return limited or own


def _cheapest(
    rnd: Round,
    cells: Mapping[Cell, int],
    levels: Sequence[np.ndarray],
    firsts: Sequence[np.ndarray],
    coarsest: int,
    *,
    last_resort: bool,
) -> list[tuple[Cell, str, int]]:
    """A row to hold back or coarsen (see the module docstring), if any."""
    own = _own(rnd, cells, levels, firsts, coarsest)
    early = _holds(rnd, own, firsts, expensive=False)
    if early:
        return early
    coarser = _coarsen(rnd, own, levels, coarsest, EXPENSIVE_MAX_LEVEL)
    if coarser:
        return coarser
    if last_resort:
        # Nothing else moves: a headline total is held back early, else coarsened further.
        late = _holds(rnd, own, firsts, expensive=True) or _coarsen(
            rnd, own, levels, coarsest, coarsest
        )
        if late:
            return late
    return []


def _lag(rnd: Round, own: Mapping[Cell, int]) -> list[tuple[Cell, str, int]]:
    """The smallest row whose figure binds near the last date, to blank on the last date.

    Only a row that still shows a figure before it (a row blank on every date reads as one
    that never held 8 people, so it is withheld, and flagged, instead), and never a group of
    more than ``LAG_MAX`` people.
    """
    sizes = []
    for (q, r), date in own.items():
        part = rnd.parts[q]
        last = int(part.rule.col_dates[-1])
        if r in part.expensive or date < last - LAG_DAYS:
            continue
        if _finest(rnd, q, r) != (q, r):
            continue  # a daily row's weekly sample: its last figure is the daily one's
        values, latest = rnd.publications[q].values[r], int(part.family.exact[r, -1])
        if values[-1] > 0 and (values[:-1] > 0).any() and latest <= LAG_MAX:
            sizes.append((latest, (q, r), last))
    if not sizes:
        return []
    _, cell, last = min(sizes)
    return [(cell, "lag", last)]


def _withhold(rnd: Round, own: Mapping[Cell, int]) -> list[tuple[Cell, str, int]]:
    """The smallest row to withhold (never a headline total), if any."""
    sizes = [
        (int(rnd.parts[q].family.exact[r].max()), (q, r), date)
        for (q, r), date in own.items()
        if r not in rnd.parts[q].expensive
    ]
    if not sizes:
        return []
    _, cell, date = min(sizes)
    return [(cell, "withhold", date)]


def _coarsen(
    rnd: Round,
    own: Mapping[Cell, int],
    levels: Sequence[np.ndarray],
    coarsest: int,
    expensive_max: int,
) -> list[tuple[Cell, str, int]]:
    """The row to move one step coarser (headline totals up to ``expensive_max``), if any."""
    steps = rnd.policy.bases
    for span in (STEPS_IN_RANGE, 1):
        coarser = [
            (r not in rnd.parts[q].expensive, value, -r, (q, r), date)
            for (q, r), date in own.items()
            if levels[q][r] < (expensive_max if r in rnd.parts[q].expensive else coarsest)
            and (value := _value(rnd, q, r, date)) > 0
            and steps[levels[q][r] + 1] * span <= rnd.parts[q].family.exact[r, -1]
        ]
        if coarser:
            best = max(coarser)
            return [(best[3], "coarsen", best[4])]
    return []


def _holds(
    rnd: Round,
    own: Mapping[Cell, int],
    firsts: Sequence[np.ndarray],
    *,
    expensive: bool,
) -> list[tuple[Cell, str, int]]:
    """Rows that may be held back from the date they pin a cell on (early, small figures):
    headline totals (``expensive``) or every other row."""
    found = []
    for (q, r), date in own.items():
        part, values = rnd.parts[q], rnd.publications[q].values
        if (r in part.expensive) != expensive:
            continue
        if date >= part.rule.col_dates[-1] or firsts[q][r] > date:
            continue
        if _known_before(rnd, q, r, date):
            continue  # holding back a figure the release before gave away hides nothing
        value = _value(rnd, q, r, date)
        latest = max(int(values[r].max()), 0)
        if 0 < value <= max(HOLD_MIN, HOLD_SHARE * latest):
            found.append(((q, r), "hold", date))
    return found


def _known_before(rnd: Round, q: int, r: int, date: int) -> bool:
    """Whether the release before bounds the row's count on ``date`` at least as tightly as
    this release's figure does (it showed the figure then, or gave it away)."""
    part = rnd.parts[q]
    c = _column(part, date)
    if part.prior is None or c < 0:
        return False
    lo, hi = part.prior
    n = part.family.n_dates
    publication = rnd.publications[q]
    return bool(hi[r, n + c] - lo[r, n + c] <= publication.hi[r, c] - publication.lo[r, c])


def _anchor(rnd: Round, q: int, r: int, date: int, first: int) -> int:
    """The date a row's figure bounds a cell on: the date itself, or for a row still blank
    then, its first shown date (a blank before the first figure is bounded by it)."""
    if first > date and first < rnd.parts[q].rule.col_dates[-1] + 1:
        dates = rnd.parts[q].rule.col_dates
        c = int(np.searchsorted(dates, first))
        return int(dates[min(c, len(dates) - 1)])
    return date


def _own_figure_binds(rnd: Round, q: int, r: int, date: int) -> bool:
    """Whether the row's bound on ``date`` is (on one side) its own published interval."""
    part = rnd.parts[q]
    n = part.family.n_dates
    c = _column(part, date)
    if c < 0:
        return False
    publication = rnd.publications[q]
    lo, hi = rnd.bounds[q]
    return bool(lo[r, n + c] <= publication.lo[r, c] or hi[r, n + c] >= publication.hi[r, c])


def _value(rnd: Round, q: int, r: int, date: int) -> int:
    """The row's published figure on ``date`` (on the finest grid that holds the row)."""
    p, row = _finest(rnd, q, r)
    c = _column(rnd.parts[p], date)
    return int(max(rnd.publications[p].values[row, max(c, 0)], 0))


def _finest(rnd: Round, q: int, r: int) -> Cell:
    """The row in the part holding it on the finest grid (a weekly sample's daily series)."""
    key = rnd.parts[q].family.keys[r]
    best = (q, r)
    for p, part in enumerate(rnd.parts):
        if p != q and len(part.rule.col_dates) > len(rnd.parts[best[0]].rule.col_dates):
            row = rnd.index[p].get(key)
            if row is not None:
                best = (p, row)
    return best


def _column(part: Part, date: int) -> int:
    """The part's last column on or before ``date`` (-1 if it has none so early)."""
    return int(np.searchsorted(part.rule.col_dates, date, side="right")) - 1
