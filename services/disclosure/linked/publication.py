"""What a family publishes, and what a reader who knows the rule learns from each cell.

The rule, applied to each row's cumulative series (NHS Digital numbers in brackets):

* a row is blank before its *first shown date*. By default that is the first date its count
  exceeds ``suppress_max`` (reaches 8); disclosure control may set it later to hold back a
  few small early figures that would give another figure away. From that date on the count
  is rounded to the row's step (5, or 10 where disclosure control coarsened the row);
* a row that ever holds a count from 1 to ``suppress_max`` (or is held back) is blank before
  its first shown date *zeros included*, so neither a blank nor a zero dates a small group's
  first vaccinations; other rows show their zeros as 0;
* a row at the level past the last step is withheld: blank on every date, any count;
* disclosure control may stop a row's figures before the release's last date (its *shown
  until* date): its latest figures are blank, its earlier ones as the rule shows them.

So a blank early in a series means "no more than the first figure shown" (a row never shown
holds at most ``suppress_max``), and a row blank before its first figure held at least 1 on
the date before it. Daily ``new`` is never published on its own: it is the difference of the
published cumulative values (``derived_new``), so it adds nothing to them.

A family may be published on a coarser grid than its counts (weekly samples of daily
series): ``RowRule`` gives the global date of each column and, per row, the first shown date
and whether the row is prefixed, both decided on the row's own (finest) grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.disclosure.linked.bounds import UNBOUNDED
from services.disclosure.linked.model import LinkedFamily
from services.disclosure.policy import Policy

BLANK = -1
"""Stored in ``Publication.values`` for a blank cell."""


@dataclass(frozen=True, eq=False)
class RowRule:
    """How the rule applies to a family's rows on its grid.

    ``col_dates[c]`` is the global (daily) index of column c. ``natural[r]`` is the global
    date row r is first shown by the rule alone (a large number if never); ``prefixed[r]``
    whether it is blank, zeros included, before its first shown date; ``floor[r]`` whether the
    column just before its first shown column is known to hold at least 1 (true on the grid
    the row's own rule was decided on).
    """

    col_dates: np.ndarray
    natural: np.ndarray
    prefixed: np.ndarray
    floor: np.ndarray
    gate: np.ndarray | None = None
    """Per row, the global date its table opens (``gates``); None: every table is open."""

    def gates(self) -> np.ndarray:
        """The opening date of every row's table (0 where none is gated)."""
        if self.gate is None:
            return np.zeros(len(self.natural), dtype=np.int64)
        return self.gate


NEVER = 1 << 30
"""``natural``/first shown date of a row never shown."""


def own_rule(family: LinkedFamily, policy: Policy, col_dates: np.ndarray | None = None) -> RowRule:
    """The rule decided on this family's own grid, for every row."""
    exact = family.exact
    dates = np.arange(family.n_dates) if col_dates is None else np.asarray(col_dates)
    above = exact > policy.suppress_max
    first_col = np.where(above.any(axis=1), above.argmax(axis=1), -1)
    natural = np.where(first_col >= 0, dates[np.maximum(first_col, 0)], NEVER)
    small = np.asarray(((exact >= 1) & (exact <= policy.suppress_max)).any(axis=1))
    return RowRule(dates, natural, small, np.ones(family.n_rows, dtype=bool))


@dataclass(frozen=True, eq=False)
class Publication:
    """Published cumulative values of every row (``BLANK`` where blank) and their bounds.

    ``base[r]`` is the rounding step of row r (0 for a withheld, derived or virtual row);
    ``max_error[r]`` the largest difference between a shown value of the row and the truth.
    Virtual rows have bounds ``[0, UNBOUNDED]`` and no values.
    """

    values: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    base: np.ndarray
    max_error: np.ndarray
    withheld: np.ndarray

    @property
    def blank(self) -> np.ndarray:
        """Mask of blank cells (rows not shown count as blank)."""
        return self.values == BLANK


def withheld_level(policy: Policy) -> int:
    """The level at which a row is withheld altogether (one past the coarsest step)."""
    return len(policy.bases)


def publish(
    family: LinkedFamily,
    policy: Policy,
    rule: RowRule,
    levels: np.ndarray,
    first_shown: np.ndarray,
    shown_until: np.ndarray | None = None,
) -> Publication:
    """Apply the rule to every row at its level, first shown and shown until (global) dates."""
    exact = family.exact
    steps = np.array([*policy.bases, 0], dtype=np.int64)
    withheld = levels >= withheld_level(policy)
    base = np.where(withheld | ~family.published, 0, steps[np.minimum(levels, len(steps) - 1)])
    step = np.maximum(base, 1)
    threshold = policy.min_shown(step)
    reach = exact >= threshold[:, None]
    at_level = np.where(reach.any(axis=1), rule.col_dates[reach.argmax(axis=1)], NEVER)
    coarse_start = threshold > policy.suppress_max + 1
    gate = rule.gates()
    gated = gate > 0
    held = first_shown > np.maximum(rule.natural, at_level)
    first = np.maximum(np.maximum(np.maximum(first_shown, rule.natural), at_level), gate)
    prefixed = (rule.prefixed | held | coarse_start | gated) & ~withheld
    until = np.full(len(levels), NEVER) if shown_until is None else shown_until
    not_after = rule.col_dates[None, :] <= until[:, None]
    visible = (rule.col_dates[None, :] >= first[:, None]) & (base > 0)[:, None] & not_after
    zero_shown = (exact == 0) & ~prefixed[:, None] & ~withheld[:, None] & not_after
    rounded = policy.round_to(exact, step[:, None])
    values = np.where(visible, rounded, np.where(zero_shown, 0, BLANK))
    r_lo, r_hi = policy.rounding_interval(rounded, step[:, None])
    lo = np.where(visible, np.maximum(r_lo, threshold[:, None]), 0)
    # A blank before the first shown date is at most the first figure (the chain bounds it);
    # a row never shown holds less than its step's smallest shown count.
    # (A table that never opens says nothing of its rows.)
    blank_hi = np.where((first >= NEVER) & (gate < NEVER), threshold - 1, UNBOUNDED)[:, None]
    hi = np.where(visible, r_hi, np.where(zero_shown, 0, blank_hi))
    hi = np.where(withheld[:, None] | ~not_after, UNBOUNDED, hi)
    # Only where a reader can tell the row passed through 1..7 (or was held back after
    # reaching its first figure) does the blank before the first figure hold at least 1.
    _rule_floor(
        lo, visible, (rule.prefixed | held) & ~coarse_start & ~gated & rule.floor & ~withheld
    )
    max_error = np.where(base > 0, np.maximum(base - 1 - base // 2, base // 2), 0)
    unpublished = ~family.published
    values[unpublished] = BLANK
    lo[unpublished] = 0
    hi[unpublished] = UNBOUNDED
    for row, parts in family.derived.items():
        members = values[list(parts)]
        values[row] = np.where((members == BLANK).any(axis=0), BLANK, members.sum(axis=0))
        max_error[row] = max_error[list(parts)].sum()
    return Publication(values, lo.astype(np.int64), hi.astype(np.int64), base, max_error, withheld)


def _rule_floor(lo: np.ndarray, visible: np.ndarray, rows_mask: np.ndarray) -> None:
    """A prefixed row held at least 1 in the column before its first shown column."""
    n_cols = visible.shape[1]
    first = np.where(visible.any(axis=1), visible.argmax(axis=1), n_cols)
    rows = np.flatnonzero(rows_mask & (first > 0))
    lo[rows, first[rows] - 1] = np.maximum(lo[rows, first[rows] - 1], 1)


def derived_new(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column ``new`` as the difference of published cumulative values.

    Returns ``(new, includes_earlier)``: ``new`` is ``BLANK`` where the cumulative is blank;
    on a row's first shown column after blanks, ``new`` is the whole cumulative and
    ``includes_earlier`` is set (those people were vaccinated on or before that date), so
    the published ``new`` always adds up to the published cumulative.
    """
    previous = np.concatenate([np.zeros_like(values[:, :1]), values[:, :-1]], axis=1)
    shown = values != BLANK
    after_blank = shown & (previous == BLANK)
    new = np.where(shown, values - np.where(after_blank, 0, previous), BLANK)
    return new, after_blank


def rule_only(daily: np.ndarray, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative and ``new`` figures of daily counts ``[rows × dates]`` under the rule alone.

    What the policy's own rule shows before any repair (no sums, no attacker): for tools and
    examples that need figures shaped like a release's, never for publishing.
    """
    cumulative = np.cumsum(np.asarray(daily, dtype=np.int64), axis=1)
    family = LinkedFamily(
        keys=tuple(("", 0, "", str(i)) for i in range(len(cumulative))),
        exact=cumulative,
        published=np.ones(len(cumulative), dtype=bool),
        sums=(),
    )
    rule = own_rule(family, policy)
    levels = np.zeros(len(cumulative), dtype=np.int64)
    values = publish(family, policy, rule, levels, rule.natural).values
    new, _ = derived_new(values)
    return values, new
