"""Table gates: an area's breakdowns of a dose are published once its total is large enough.

A breakdown of a handful of people is nearly all small cells: blanking them one by one costs
more than it shows, and protecting what is left against the area's total and its parent's
sums can take minutes and still fail (a trickle of third primary doses split 19 ways across
six districts). So an area's breakdowns of a dose open on the first date its total of that
dose, rounded to the policy's first steps, shows at least ``TABLE_MIN`` people; before then
(and for ever, if it never does) they are blank, zeros included, and only the total is
published. The date a table opens says a little more than the total as published, and
``bounds`` gives exactly that to the attacker: the total is below ``threshold`` before the
date and at least ``threshold`` from it. A row of a gated table
is never known to hold at least 1 before its first figure (its blanks include zeros).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from services.disclosure.linked.bounds import UNBOUNDED
from services.disclosure.linked.headline import TOTAL
from services.disclosure.linked.model import LinkedFamily, RowKey
from services.disclosure.linked.publication import NEVER
from services.disclosure.linked.repair import EXPENSIVE_MAX_LEVEL
from services.disclosure.policy import Policy

TABLE_MIN = 55
"""People of a dose in an area before its breakdowns of that dose are published."""

AreaDose = tuple[str, int]


def threshold(policy: Policy) -> int:
    """The smallest true total shown as at least ``TABLE_MIN`` at every step a headline total
    takes short of repair's last resort (NHS Digital: nearest 5 or 15; 53 for 55), so that a
    table is never open beside a total showing less than ``TABLE_MIN``."""
    least = 0
    for step in policy.bases[: EXPENSIVE_MAX_LEVEL + 1]:
        counts = np.arange(TABLE_MIN + step, dtype=np.int64)
        shown = policy.round_to(counts, np.full(counts.shape, step, dtype=np.int64))
        least = max(least, int(np.argmax(shown >= TABLE_MIN)))
    return least


def opening_dates(
    family: LinkedFamily, areas: set[str | None], col_dates: np.ndarray, policy: Policy
) -> dict[AreaDose, int]:
    """Global date each own area's breakdowns of each dose open (``NEVER`` if they do not)."""
    least = threshold(policy)
    opens: dict[AreaDose, int] = {}
    for row, key in enumerate(family.keys):
        if key[0] in areas and key[2:] == TOTAL:
            reached = np.asarray(family.exact[row] >= least)
            opens[(key[0], key[1])] = int(col_dates[reached.argmax()]) if reached.any() else NEVER
    return opens


def row_gates(keys: tuple[RowKey, ...], opens: Mapping[AreaDose, int]) -> np.ndarray:
    """Per row, the global date its table opens (0 for totals and other areas' rows)."""
    return np.array(
        [0 if key[2:] == TOTAL else opens.get((key[0], key[1]), 0) for key in keys],
        dtype=np.int64,
    )


def bounds(
    keys: tuple[RowKey, ...],
    opens: Mapping[AreaDose, int],
    col_dates: np.ndarray,
    prior: tuple[np.ndarray, np.ndarray] | None,
    policy: Policy,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The part's prior with what the opening dates say of each own area's total."""
    n_rows, n = len(keys), len(col_dates)
    gated = [
        (row, opens[(key[0], key[1])])
        for row, key in enumerate(keys)
        if key[2:] == TOTAL and (key[0], key[1]) in opens
    ]
    if not gated:
        return prior
    if prior is None:
        lo = np.zeros((n_rows, 2 * n), dtype=np.int64)
        hi = np.full((n_rows, 2 * n), UNBOUNDED, dtype=np.int64)
    else:
        lo, hi = prior[0].copy(), prior[1].copy()
    least = threshold(policy)
    for row, opened in gated:
        before = col_dates < opened
        cum_lo, cum_hi = lo[row, n:], hi[row, n:]
        cum_hi[before] = np.minimum(cum_hi[before], least - 1)
        cum_lo[~before] = np.maximum(cum_lo[~before], least)
    return lo, hi
