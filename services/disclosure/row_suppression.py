"""Whole-row suppression for groups whose series is small all along.

A group whose daily counts are all protected (1–7) has every non-zero daily cell withheld, and
each withheld cell tells the attacker "at least 1". Its cumulative series then leaks the daily
values: two visible cumulative values bound the days between them, and the count of withheld
days bounds the cumulative from below. Suppressing one partner per round only moves the pin
to the next visible date, so such a row is withheld wholesale (every non-zero daily and
cumulative cell; zeros stay exact) in one go. A row that keeps being exposed during the rounds
is escalated the same way, and a row that is still exposed after being withheld wholesale
gets a *complement*: in every sum it is a member of, the smallest other member row with
non-zero cells is withheld wholesale too, so the row is not recovered as total − the rest.
"""

from __future__ import annotations

import numpy as np

from services.disclosure.linked_rows import LinkedRows
from services.disclosure.policy import Policy

NONE = np.iinfo(np.int64).max
SMALL_SHARE = 1.0
"""Share of a row's non-zero daily counts that must be protected for it to go wholesale."""


def small_rows(policy: Policy, exact: np.ndarray, n_dates: int) -> np.ndarray:
    """Rows whose non-zero daily counts are mostly protected and whose cumulative ever is."""
    new, cum = exact[:, :n_dates], exact[:, n_dates:]
    shown = ((new > 0) & ~policy.protected(new)).sum(axis=1)
    withheld = policy.protected(new).sum(axis=1)
    mostly = withheld >= SMALL_SHARE * (withheld + shown)
    result: np.ndarray = mostly & policy.protected(cum).any(axis=1)
    return result


def whole_rows(exact: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mask of every non-zero cell of the given rows (a boolean row mask)."""
    result: np.ndarray = (exact > 0) & rows[:, None]
    return result


def complements(links: LinkedRows, exact: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each sum a marked row is a member of, its smallest unmarked non-empty co-member."""
    n = exact.shape[0]
    size = exact[:, -1]  # final cumulative count of each row
    enc = np.where(~rows & (size > 0), size * n + np.arange(n, dtype=np.int64), NONE)
    found = np.zeros(n, dtype=bool)
    for f in links.sums:
        m, c = f.members, f.owner
        if not len(m) or not rows[m].any():
            continue
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        best = np.minimum.reduceat(enc[m], starts)
        marked = np.logical_or.reduceat(rows[m], starts)
        pick = best[marked & (best != NONE)]
        found[pick % n] = True
    return found
