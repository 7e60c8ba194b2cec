"""Protect linked families at once: publish, attack with one attacker over all, repair, repeat.

A cell is *exposed* when its true count is from 1 to ``PROTECTED_MAX`` (7) and the attacker
pins it to fewer than ``protection_width`` values — daily or cumulative, published, derived or
only implied (virtual rows are real groups of people too). ``repair`` says how rows are
loosened; rounds stop when nothing is exposed. Repair choices depend on the published figures
and on which cells hold 1 to 7 people; like the patterns of secondary suppression in τ-ARGUS
and sdcTable, the choice of rows is not treated as information by the attacker model
(docs/disclosure.md discusses this).

An area's figures are published on two grids — daily for its headline and simple breakdowns,
weekly for every breakdown including the fine cross-tabulations — and both show the same
counts on the week's last day. Each grid is a family of its own (``Part``); a reader holds all
of them, so the attacker propagates every part to its fixpoint and passes what it learns about
a shared cell (the same row on the same date) to every other part holding it, until nothing
changes: together that is propagation over the union of all constraints.

Repair is shared too: a row's coarsening level and first shown date are one state, whichever
part asks to loosen it, and every part publishes from that state.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from services.disclosure.linked.attacker import propagate
from services.disclosure.linked.bounds import UNBOUNDED
from services.disclosure.linked.constraints import Constraints, constraints_of
from services.disclosure.linked.model import LinkedFamily, RowKey
from services.disclosure.linked.publication import Publication, RowRule, publish
from services.disclosure.linked.repair import RepairState, Round, loosen_all
from services.disclosure.policy import PROTECTED_MAX, Policy

MAX_EXCHANGES = 50
MAX_ROUNDS = 200


def stacked_exact(family: LinkedFamily) -> np.ndarray:
    """Exact ``[rows × 2·dates]``: daily (differences) then cumulative counts."""
    cum = family.exact
    new = np.diff(cum, axis=1, prepend=0)
    return np.concatenate([new, cum], axis=1)


@dataclass(frozen=True, eq=False)
class Part:
    """One family on one grid, with what the attacker knew of it before (``prior``)."""

    family: LinkedFamily
    rule: RowRule
    expensive: Collection[int] = frozenset()
    prior: tuple[np.ndarray, np.ndarray] | None = None
    fixed: Collection[int] = frozenset()
    """Rows published as decided elsewhere (other areas' headlines): never loosened here."""


@dataclass(frozen=True, eq=False)
class PartResult:
    """A part's final publication and the attacker's bounds on it."""

    part: Part
    publication: Publication
    lo: np.ndarray
    hi: np.ndarray
    exposed: np.ndarray
    protected: np.ndarray

    @property
    def exposed_cells(self) -> int:
        """Protected cells still pinned (0 when the audit passes)."""
        return int(self.exposed.sum())


@dataclass(slots=True)
class JointResult:
    """Every part's result, the shared state repair ended with, and how many rounds it took."""

    parts: list[PartResult]
    levels: dict[RowKey, int]
    first_shown: dict[RowKey, int]
    rounds: int
    extra: dict[str, int] = field(default_factory=dict)
    shown_until: dict[RowKey, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when no part has a pinned protected cell."""
        return all(p.exposed_cells == 0 for p in self.parts)


@dataclass(frozen=True, eq=False)
class _Shared:
    """Cells part ``a`` and part ``b`` both hold, as flat indices into their stacked bounds."""

    a: int
    b: int
    flat_a: np.ndarray
    flat_b: np.ndarray


def shared_cells(parts: Sequence[Part]) -> list[_Shared]:
    """Same row key and same global date: cumulative cells always, daily ones on equal grids."""
    links = []
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            fa, fb = parts[i].family, parts[j].family
            rows_b = {key: r for r, key in enumerate(fb.keys)}
            pairs = [(ra, rows_b[key]) for ra, key in enumerate(fa.keys) if key in rows_b]
            if not pairs:
                continue
            da, db = parts[i].rule.col_dates, parts[j].rule.col_dates
            col_b = {int(d): c for c, d in enumerate(db)}
            cols = [(ca, col_b[int(d)]) for ca, d in enumerate(da) if int(d) in col_b]
            same_grid = np.array_equal(da, db)
            flat_a, flat_b = [], []
            na, nb = fa.n_dates, fb.n_dates
            for ra, rb in pairs:
                for ca, cb in cols:
                    flat_a.append(ra * 2 * na + na + ca)
                    flat_b.append(rb * 2 * nb + nb + cb)
                    if same_grid:
                        flat_a.append(ra * 2 * na + ca)
                        flat_b.append(rb * 2 * nb + cb)
            links.append(_Shared(i, j, np.array(flat_a, np.intp), np.array(flat_b, np.intp)))
    return links


def joint_bounds(
    parts: Sequence[Part],
    constraints: Sequence[Constraints],
    publications: Sequence[Publication],
    shared: Sequence[_Shared],
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every part's bounds at the joint fixpoint (propagate each; exchange shared cells)."""
    bounds = []
    for part, pub in zip(parts, publications, strict=True):
        n_rows, n_cols = pub.lo.shape
        lo = np.zeros((n_rows, 2 * n_cols), dtype=np.int64)
        hi = np.full((n_rows, 2 * n_cols), UNBOUNDED, dtype=np.int64)
        lo[:, n_cols:], hi[:, n_cols:] = pub.lo, pub.hi
        if part.prior is not None:
            np.maximum(lo, part.prior[0], out=lo)
            np.minimum(hi, part.prior[1], out=hi)
        bounds.append((lo, hi))
    for _ in range(MAX_EXCHANGES):
        for (lo, hi), c, part in zip(bounds, constraints, parts, strict=True):
            propagate(c, lo, hi, part.family.n_dates)
        changed = False
        for link in shared:
            la, ha = (b.reshape(-1) for b in bounds[link.a])
            lb, hb = (b.reshape(-1) for b in bounds[link.b])
            lo_ = np.maximum(la[link.flat_a], lb[link.flat_b])
            hi_ = np.minimum(ha[link.flat_a], hb[link.flat_b])
            if (lo_ != la[link.flat_a]).any() or (hi_ != ha[link.flat_a]).any():
                changed = True
            if (lo_ != lb[link.flat_b]).any() or (hi_ != hb[link.flat_b]).any():
                changed = True
            la[link.flat_a], ha[link.flat_a] = lo_, hi_
            lb[link.flat_b], hb[link.flat_b] = lo_, hi_
        if not changed:
            break
    return bounds


def protect_jointly(
    parts: Sequence[Part],
    policy: Policy,
    *,
    protection_width: int = 5,
    levels: Mapping[RowKey, int] | None = None,
    first_shown: Mapping[RowKey, int] | None = None,
    shown_until: Mapping[RowKey, int] | None = None,
    max_rounds: int = MAX_ROUNDS,
) -> JointResult:
    """Publish every part so that no protected count is pinned by the joint attacker."""
    constraints = [constraints_of(p.family) for p in parts]
    shared = shared_cells(parts)
    state = RepairState.start(parts, levels or {}, first_shown or {}, shown_until)
    protected = [_protected(p.family) for p in parts]
    rounds = 0
    while True:
        publications = [
            publish(p.family, policy, p.rule, *state.arrays(i)) for i, p in enumerate(parts)
        ]
        bounds = joint_bounds(parts, constraints, publications, shared)
        exposed = [
            prot & (np.minimum(hi, UNBOUNDED) - lo + 1 < protection_width)
            for prot, (lo, hi) in zip(protected, bounds, strict=True)
        ]
        if not any(e.any() for e in exposed) or rounds >= max_rounds:
            break
        rounds += 1
        if not loosen_all(state, Round(parts, constraints, publications, bounds, policy), exposed):
            break
    results = [
        PartResult(p, pub, lo, hi, e, prot)
        for p, pub, (lo, hi), e, prot in zip(
            parts, publications, bounds, exposed, protected, strict=True
        )
    ]
    return JointResult(
        results, state.levels, state.first_shown, rounds, shown_until=state.shown_until
    )


def _protected(family: LinkedFamily) -> np.ndarray:
    exact = stacked_exact(family)
    return (exact >= 1) & (exact <= PROTECTED_MAX)
