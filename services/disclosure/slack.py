"""Slack: how far each cell's true value can move, up or down, and stay consistent with
everything published about it (in this release and in every previous one).

A witness moves a set of cells together; it is a genuine alternative truth only if every
moved cell stays inside its published interval in every release that showed it. Slacks are
clamped to ``cap`` (the protection width): the audit never needs to move a cell further.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.disclosure.policy import Policy
from services.disclosure.published import PublishedArray


@dataclass(frozen=True, eq=False)
class Slack:
    """Clamped up/down slack of the daily and cumulative cells of one table ``[groups × dates]``."""

    up_new: np.ndarray
    dn_new: np.ndarray
    up_cum: np.ndarray
    dn_cum: np.ndarray

    def minimum(self, other: Slack) -> Slack:
        """Slack of a move that must fit both (the same cells moved in two places)."""
        return Slack(
            np.minimum(self.up_new, other.up_new),
            np.minimum(self.dn_new, other.dn_new),
            np.minimum(self.up_cum, other.up_cum),
            np.minimum(self.dn_cum, other.dn_cum),
        )

    def rows(self, index: np.ndarray) -> Slack:
        """The slack of the given rows (groups), in that order."""
        return Slack(self.up_new[index], self.dn_new[index], self.up_cum[index], self.dn_cum[index])


def _room(exact: np.ndarray, published: PublishedArray, policy: Policy, cap: int) -> tuple:
    lo, hi = policy.bounds(published)
    # Sound policies always bracket the truth; clipping at 0 keeps a broken one conservative.
    return np.clip(hi - exact, 0, cap).astype(np.int32), np.clip(exact - lo, 0, cap).astype(
        np.int32
    )


def release_slack(
    exact_new: np.ndarray,
    published_new: PublishedArray,
    published_cum: PublishedArray,
    policy: Policy,
    cap: int,
    n_dates: int | None = None,
) -> Slack:
    """Slack of one table in one release; dates beyond it (``n_dates``) are unconstrained."""
    up_new, dn_new = _room(exact_new, published_new, policy, cap)
    up_cum, dn_cum = _room(np.cumsum(exact_new, axis=1), published_cum, policy, cap)
    slack = Slack(up_new, dn_new, up_cum, dn_cum)
    missing = 0 if n_dates is None else n_dates - exact_new.shape[1]
    if missing <= 0:
        return slack
    pad = np.full((exact_new.shape[0], missing), cap, dtype=np.int32)
    return Slack(*(np.concatenate([part, pad], axis=1) for part in vars(slack).values()))


def unchanged_only(old: Slack, old_exact: np.ndarray, exact: np.ndarray, cap: int) -> Slack:
    """An earlier release's slack kept only on cells whose exact value has not changed since.

    A late event makes the earlier figure a statement about a different number: the
    attacker's interval from then applies to a cell only while its true value is the same.
    ``old`` is padded to the current dates already; ``old_exact`` is not.
    """
    n_old = old_exact.shape[1]
    same_new = np.ones(exact.shape, dtype=bool)
    same_cum = np.ones(exact.shape, dtype=bool)
    same_new[:, :n_old] = old_exact == exact[:, :n_old]
    same_cum[:, :n_old] = np.cumsum(old_exact, axis=1) == np.cumsum(exact[:, :n_old], axis=1)
    return Slack(
        np.where(same_new, old.up_new, cap),
        np.where(same_new, old.dn_new, cap),
        np.where(same_cum, old.up_cum, cap),
        np.where(same_cum, old.dn_cum, cap),
    )


def unconstrained(shape: tuple[int, int], cap: int) -> Slack:
    """Slack of a table no release has shown."""
    full = np.full(shape, cap, dtype=np.int32)
    return Slack(full, full, full, full)
