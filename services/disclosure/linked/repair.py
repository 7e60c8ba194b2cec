"""Repair: loosen the rows linked to an exposed cell, as cheaply as possible.

Three moves, cheapest first for each exposed cell (row and date), taken among the published
rows that share a sum with the exposed row (and the row itself):

1. *hold back*: early in a series, where a linked row's figure is still small (at most
   ``HOLD_MAX`` people), show that row from the next date on — a few small early figures
   become blank, the row's later figures are unchanged;
2. *coarsen*: move the largest linked row (a few people either way in a large group cost
   least) to the policy's next step for its whole series (NHS Digital: nearest 5 -> nearest
   10, flagged), so it stays monotone and its daily figures still add up; an area's headline
   total only when no other row can;
3. *withhold*: only when every linked row is already at the coarsest step, blank the smallest.

Loosening only ever widens what a reader can infer, so every round makes progress and
nothing fixed before is exposed again. One row per exposed cell per round, and none for a
cell a row linked to it was already loosened for in this round (that may have fixed it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from services.disclosure.linked.constraints import Constraints
from services.disclosure.linked.model import RowKey
from services.disclosure.linked.publication import Publication, withheld_level
from services.disclosure.policy import Policy

if TYPE_CHECKING:
    from services.disclosure.linked.joint import Part

HOLD_MAX = 30
"""Largest count a row may hold on a date it is held back from (early, small figures)."""


@dataclass(slots=True)
class RepairState:
    """Each row's coarsening level and first shown (global) date, shared by every part."""

    levels: dict[RowKey, int]
    first_shown: dict[RowKey, int]
    keys: list[tuple[RowKey, ...]]
    natural: list[np.ndarray]

    @classmethod
    def start(
        cls,
        parts: Sequence[Part],
        policy: Policy,
        levels: Mapping[RowKey, int],
        first_shown: Mapping[RowKey, int],
    ) -> RepairState:
        """The state repair starts from: given values, else each family's start levels."""
        state = cls(dict(levels), dict(first_shown), [], [])
        for part in parts:
            keys = part.family.keys
            state.keys.append(keys)
            state.natural.append(part.rule.natural)
            for key, level in zip(keys, part.family.start_levels().tolist(), strict=True):
                state.levels[key] = max(state.levels.get(key, 0), level)
        return state

    def arrays(self, part: int) -> tuple[np.ndarray, np.ndarray]:
        """``(levels, first_shown)`` of one part's rows."""
        keys, natural = self.keys[part], self.natural[part]
        levels = np.array([self.levels.get(k, 0) for k in keys], dtype=np.int64)
        first = np.array(
            [self.first_shown.get(k, n) for k, n in zip(keys, natural.tolist(), strict=True)],
            dtype=np.int64,
        )
        return levels, np.maximum(first, natural)


def loosen(
    state: RepairState,
    index: int,
    part: Part,
    policy: Policy,
    constraints: Constraints,
    publication: Publication,
    exposed: np.ndarray,
) -> bool:
    """Loosen one row linked to each exposed row-date of a part; False if none could be."""
    family = part.family
    keys = state.keys[index]
    levels, first_shown = state.arrays(index)
    col_dates = part.rule.col_dates
    natural = part.rule.natural
    n_cols = family.n_dates
    coarsest = withheld_level(policy) - 1
    values = publication.values
    shown = np.where(values >= 0, values, 0)
    touched: set[int] = set()
    seen: set[tuple[int, int]] = set()
    rows, cols = np.nonzero(exposed)
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        day = col % n_cols
        if (row, day) in seen:
            continue
        seen.add((row, day))
        linked = [*constraints.partners[row], row]
        if touched.intersection(linked):
            continue  # a row linked to this cell is loosened this round: look again after
        own = [r for r in linked if family.published[r] and levels[r] <= coarsest]
        early = [
            r
            for r in own
            if r not in part.expensive
            and day < n_cols - 1
            and max(first_shown[r], natural[r]) <= col_dates[day]
            and 0 <= values[r, day] <= HOLD_MAX + 2
        ]
        if early:
            best = min(early, key=lambda r: (int(shown[r, : day + 1].sum()), r))
            state.first_shown[keys[best]] = int(col_dates[day]) + 1
            touched.add(best)
            continue
        coarser = [r for r in own if levels[r] < coarsest]
        if coarser:
            best = max(coarser, key=lambda r: (r not in part.expensive, shown[r, day], -r))
            state.levels[keys[best]] = int(levels[best]) + 1
            touched.add(best)
            continue
        if own:
            smallest = min(own, key=lambda r: (shown[r, -1], r))
            state.levels[keys[smallest]] = coarsest + 1
            touched.add(smallest)
    return bool(touched)
