"""Protection with the propagation attacker: publish, propagate, suppress partners, repeat.

Guarantees: when ``audit_passed`` is True, no protected cell (true value 1–7, daily or
cumulative, any table) is pinned by interval propagation over every published figure of this
release and of the previous ones (``propagation``), i.e. each such cell's propagated interval
contains 0 or spans at least ``protection_width`` values. For a family with at most
``exact_limit`` unknown daily cells, every protected cell is also checked against the exact
integer attacker (``exact_bounds``), so small families are safe against any attacker who
knows only the published figures and the links. Not guaranteed on larger families: an LP or
integer attacker combining several constraints can sometimes prove a tighter interval than
propagation; the propagated intervals are a sound outer bound of the truth, not of the
attacker's best.
"""

from __future__ import annotations

import numpy as np

from services.disclosure.exact_bounds import exact_exposed
from services.disclosure.family import CellKey, Exposure, FamilyInput, Key, ProtectedFamily
from services.disclosure.layout import build_layout
from services.disclosure.linked_rows import LinkedRows, link_rows
from services.disclosure.policy import Policy
from services.disclosure.propagation import attacker_bounds, previous_bounds
from services.disclosure.propagation_secondary import partners_to_suppress
from services.disclosure.published import UNBOUNDED, PublishedArray
from services.disclosure.row_suppression import complements, small_rows, whole_rows

EXACT_LIMIT = 400
ESCALATE_AFTER = 6
"""Rounds a row may be exposed in before it is withheld wholesale."""
"""Largest family (daily cells) that is also checked by the exact integer attacker."""


def _cell(rows: LinkedRows, row: int, col: int) -> CellKey:
    key, g = rows.locate(row)
    d = rows.n_dates
    series = "new" if col < d else "cumulative"
    return CellKey(key[0], key[1], rows.family.groups(*key)[g], rows.family.dates[col % d], series)


def _cells(rows: LinkedRows, mask: np.ndarray) -> tuple[CellKey, ...]:
    """Every cell of a mask, named (row labels are looked up once per row, not per cell)."""
    labels: list[tuple[str, str, str]] = []
    for area, b in rows.offset:
        labels.extend((area, b, group) for group in rows.family.groups(area, b))
    d, dates = rows.n_dates, rows.family.dates
    found = []
    for r, c in zip(*np.nonzero(mask), strict=True):
        area, b, group = labels[r]
        found.append(CellKey(area, b, group, dates[c % d], "new" if c < d else "cumulative"))
    return tuple(found)


def _published(
    rows: LinkedRows, values: np.ndarray, suppressed: np.ndarray
) -> tuple[dict[Key, PublishedArray], dict[Key, PublishedArray]]:
    v_new, v_cum = rows.unstack(values)
    m_new, m_cum = rows.unstack(suppressed)
    new = {k: PublishedArray.from_values(v_new[k], m_new[k]) for k in rows.offset}
    cum = {k: PublishedArray.from_values(v_cum[k], m_cum[k]) for k in rows.offset}
    return new, cum


def _exposures(rows, exact, lo, hi, mask, limit=100) -> tuple[Exposure, ...]:
    found: list[Exposure] = []
    for r, c in zip(*np.nonzero(mask), strict=True):
        if len(found) >= limit:
            break
        interval = (int(lo[r, c]), int(hi[r, c]))
        found.append(Exposure(_cell(rows, int(r), int(c)), int(exact[r, c]), interval))
    return tuple(found)


def protect_by_propagation(
    family: FamilyInput,
    policy: Policy,
    *,
    protection_width: int = 5,
    max_rounds: int = 16,
    exact_limit: int = EXACT_LIMIT,
) -> ProtectedFamily:
    """Published daily and cumulative tables of one family, protected against propagation."""
    layout = build_layout(family)
    rows = link_rows(family, layout)
    cum_exact = {k: np.cumsum(v, axis=1) for k, v in family.exact_new.items()}
    exact = rows.stack(family.exact_new, cum_exact)
    primary = policy.publish(exact)
    values, suppressed = primary.values, primary.suppressed.copy()
    protected = policy.protected(exact)
    prior = previous_bounds(rows, family)
    small = exact.size // 2 <= exact_limit
    # Rows small all along leak through their own cumulative series: withhold them at once.
    whole = small_rows(policy, exact, rows.n_dates)
    suppressed |= whole_rows(exact, whole)
    hits = np.zeros(rows.n_rows, dtype=np.int64)
    rounds, broad = 0, False
    while True:
        new, cum = _published(rows, values, suppressed)
        lo, hi, _ = attacker_bounds(rows, policy, new, cum, prior)
        span = np.minimum(hi, UNBOUNDED) - lo + 1
        exposed = protected & (lo >= 1) & (span < protection_width)
        # Exposures only the exact attacker sees have no binding constraint to open.
        wide = broad
        if small and not exposed.any():
            exposed = exact_exposed(rows, exact, lo, hi, protected, protection_width)
            wide = True
        if not exposed.any() or rounds >= max_rounds:
            break
        rounds += 1
        add = partners_to_suppress(rows, exact, suppressed, lo, hi, exposed, wide)
        add |= _escalate(rows, exact, exposed, hits, whole)
        if not (add & ~suppressed).any() and not wide:
            broad = True
            add |= partners_to_suppress(rows, exact, suppressed, lo, hi, exposed, broad)
        if not (add & ~suppressed).any():
            break  # everything linked to the exposed cells is already withheld
        suppressed |= add
    return _result(rows, exact, primary.suppressed, suppressed, values, protected, lo, hi,
                   exposed, rounds)  # fmt: skip


def _escalate(
    rows: LinkedRows, exact: np.ndarray, exposed: np.ndarray, hits: np.ndarray, whole: np.ndarray
) -> np.ndarray:
    """Rows exposed round after round go wholesale; wholesale rows still exposed get complements."""
    hit = exposed.any(axis=1)
    hits += hit
    again = hit & whole
    complement = complements(rows, exact, again) if again.any() else np.zeros_like(hit)
    grow = (hits >= ESCALATE_AFTER) | complement
    whole |= grow
    return whole_rows(exact, grow)


def _result(rows, exact, primary, suppressed, values, protected, lo, hi, exposed, rounds):
    new, cum = _published(rows, values, suppressed)
    secondary = suppressed & ~primary
    cells = _cells(rows, secondary)
    # Near-UNBOUNDED upper bounds (open sums minus a few lower bounds) say nothing.
    open_below = protected & (lo >= 1) & (hi < UNBOUNDED // 2)
    tightest = None
    if open_below.any():
        span = np.where(open_below, np.minimum(hi, UNBOUNDED) - lo + 1, UNBOUNDED + 1)
        r, c = np.unravel_index(int(span.argmin()), span.shape)
        tightest = _exposures(rows, exact, lo, hi, span == span[r, c], 1)[0]
    return ProtectedFamily(
        new=new,
        cumulative=cum,
        primary_suppressed=int(primary.sum()),
        secondary_suppressed=len(cells),
        secondary_cells=cells,
        protected_cells=int(protected.sum()),
        audit_passed=not exposed.any(),
        tightest=tightest,
        failing_cells=int(exposed.sum()),
        failing=_exposures(rows, exact, lo, hi, exposed),
        rounds=rounds,
    )
