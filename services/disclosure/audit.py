"""The disclosure audit: play the attacker against everything a family publishes.

The attacker sees this release and every previous one: each published value is an interval
on an unknown true count, linked by exact linear relations (breakdowns sum to the total and a
cross to its margins, cumulative = running sum of daily, an upper-tier area = the sum of its
LTLAs). A cell whose exact value has not changed since an earlier release also carries that
release's published interval (late events make the earlier figure a statement about another
number). A protected cell (true value 1–7) is exposed if the attacker can prove an interval
that excludes 0 and holds fewer than ``protection_width`` values.

Rather than bound the attacker from above (interval propagation under-estimates an LP
attacker, and an LP relaxation under-estimates an integer one), the audit proves safety
from below, with explicit alternative truths consistent with every published figure: first a
vectorised screen of witness patterns (``witness``) over every cell, then, for the cells it
cannot certify, an exact integer search on a window of dates (``exact_witness``, HiGHS).
A cell either certifies is safe against any attacker; cells neither certifies are reported
as failing (the price of soundness is some over-suppression where a cleverer witness exists).
Each family is an independent component (nothing links two UTLAs or two doses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from services.disclosure.exact_witness import exact_room
from services.disclosure.family import CellKey, Exposure, FamilyInput, Key
from services.disclosure.layout import CrossGrid, Layout
from services.disclosure.policy import Policy
from services.disclosure.published import PublishedArray
from services.disclosure.slack import Slack, release_slack, unchanged_only, unconstrained
from services.disclosure.witness import Capacity, chain_capacity


@dataclass(frozen=True, eq=False)
class AuditReport:
    """Per table: which protected cells are exposed; plus the tightest certified interval."""

    failing_new: dict[Key, np.ndarray]
    failing_cum: dict[Key, np.ndarray]
    capacity: dict[Key, Capacity]
    protected_cells: int
    tightest: Exposure | None

    @property
    def passed(self) -> bool:
        """True when no protected cell is exposed."""
        return not any(m.any() for m in (*self.failing_new.values(), *self.failing_cum.values()))

    @property
    def failing_cells(self) -> int:
        """How many protected cells are exposed."""
        masks = (*self.failing_new.values(), *self.failing_cum.values())
        return sum(int(m.sum()) for m in masks)

    def exposures(self, family: FamilyInput, limit: int = 100) -> tuple[Exposure, ...]:
        """Up to ``limit`` failing cells (true values included: internal use only)."""
        found: list[Exposure] = []
        for series, masks in (("new", self.failing_new), ("cumulative", self.failing_cum)):
            for (area, b), mask in masks.items():
                exact = family.exact_new[(area, b)]
                cap = self.capacity[(area, b)]
                up, dn = cap.up_new, cap.dn_new
                if series == "cumulative":
                    exact, up, dn = np.cumsum(exact, axis=1), cap.up_cum, cap.dn_cum
                for g, d in zip(*np.nonzero(mask), strict=True):
                    if len(found) >= limit:
                        return tuple(found)
                    cell = CellKey(area, b, family.groups(area, b)[g], family.dates[d], series)
                    v = int(exact[g, d])
                    found.append(Exposure(cell, v, (v - int(dn[g, d]), v + int(up[g, d]))))
        return tuple(found)


def previous_slack(family: FamilyInput, cap: int) -> dict[Key, Slack]:
    """What earlier releases pin, per table, padded to this release's dates."""
    n_dates = len(family.dates)
    result: dict[Key, Slack] = {}
    for key in family.tables():
        slack = unconstrained(family.exact_new[key].shape, cap)
        for old in family.previous:
            if key in old.exact_new:
                then = release_slack(
                    old.exact_new[key],
                    old.published_new[key],
                    old.published_cumulative[key],
                    old.policy,
                    cap,
                    n_dates,
                )
                exact = family.exact_new[key]
                slack = slack.minimum(unchanged_only(then, old.exact_new[key], exact, cap))
        result[key] = slack
    return result


def _merged(
    family: FamilyInput, layout: Layout, slacks: Mapping[Key, Slack]
) -> dict[str, dict[str, Slack]]:
    """Per lower area, its slacks merged with its upper-tier area's (a move moves both)."""
    merged: dict[str, dict[str, Slack]] = {}
    for lower, upper in layout.chains:
        merged[lower] = {}
        for b in family.breakdowns:
            s = slacks[(lower, b)]
            if upper is not None:
                s = s.minimum(slacks[(upper, b)].rows(layout.align[(lower, b)]))
            merged[lower][b] = s
    return merged


def _grids(family: FamilyInput, layout: Layout, area: str) -> dict[str, CrossGrid]:
    return {c.name: layout.grids[(area, c.name)] for c in family.crosses}


def _capacities(
    family: FamilyInput, layout: Layout, merged: Mapping[str, Mapping[str, Slack]], cap: int
) -> dict[Key, Capacity]:
    caps: dict[Key, Capacity] = {}
    for summed in layout.uppers:
        for b in family.breakdowns:
            shape = family.exact_new[(summed, b)].shape
            caps[(summed, b)] = Capacity(*(np.zeros(shape, np.int32) for _ in range(4)))
    for lower, upper in layout.chains:
        capacities = chain_capacity(merged[lower], _grids(family, layout, lower), cap)
        for b, capacity in capacities.items():
            caps[(lower, b)] = capacity
            if upper is not None:
                # The upper area's cells move through any one of its LTLAs.
                rows, into = layout.align[(lower, b)], caps[(upper, b)]
                for mine, theirs in zip(vars(into).values(), vars(capacity).values(), strict=True):
                    mine[rows] = np.maximum(mine[rows], theirs)
    return caps


def _routes(family: FamilyInput, layout: Layout, key: Key, g: int, d: int) -> list[tuple]:
    """``(lower area, row there)`` through which a cell can be moved, busiest first."""
    area, b = key
    if area not in layout.uppers:
        return [(area, g)]
    label = family.groups(area, b)[g]
    found = []
    for child in family.children[area]:
        labels = family.groups(child, b)
        if child != area and label in labels:
            row = labels.index(label)
            found.append((-int(family.exact_new[(child, b)][row, d]), child, row))
    return [(child, row) for _, child, row in sorted(found)[:2]]


def _search(
    family: FamilyInput,
    layout: Layout,
    merged: Mapping[str, Mapping[str, Slack]],
    cell: tuple[str, Key, int, int],
) -> tuple[int, int]:
    """Best exact ``(down, up)`` room of one cell over its routes."""
    series, key, g, d = cell
    best = (0, 0)
    for lower, row in _routes(family, layout, key, g, d):
        grids = _grids(family, layout, lower)
        room = exact_room(merged[lower], grids, (series, key[1], row, d))
        best = max(best, room, key=sum)
    return best


def _refine(
    family: FamilyInput,
    layout: Layout,
    merged: Mapping[str, Mapping[str, Slack]],
    caps: Mapping[Key, Capacity],
    failing: Mapping[str, dict[Key, np.ndarray]],
    certified: dict[tuple, tuple[int, int]],
    budget: int,
    width: int,
) -> None:
    """Clear failing flags the exact search can certify (at most ``budget`` searches).

    Only successes are remembered in ``certified``: suppression only widens intervals, so a
    witness found once stays valid, while a failure may not survive the next round.
    """
    for series, masks in failing.items():
        for key, mask in masks.items():
            exact = family.exact_new[key]
            cap = caps[key]
            ups, dns = (cap.up_new, cap.dn_new) if series == "new" else (cap.up_cum, cap.dn_cum)
            if series == "cumulative":
                exact = np.cumsum(exact, axis=1)
            for g, d in zip(*np.nonzero(mask), strict=True):
                cell = (series, key, int(g), int(d))
                if cell not in certified:
                    if budget <= 0:
                        return
                    budget -= 1
                    dn, up = _search(family, layout, merged, cell)
                    if dn + up + 1 < width and exact[g, d] - dn > 0:
                        continue
                    certified[cell] = (dn, up)
                dn, up = certified[cell]
                mask[g, d] = False
                ups[g, d], dns[g, d] = max(ups[g, d], up), max(dns[g, d], dn)


def audit_family(
    family: FamilyInput,
    layout: Layout,
    policy: Policy,
    published_new: Mapping[Key, PublishedArray],
    published_cum: Mapping[Key, PublishedArray],
    previous: Mapping[Key, Slack],
    *,
    protection_width: int = 5,
    exact_searches: int = 200,
    certified: dict[tuple, tuple[int, int]] | None = None,
) -> AuditReport:
    """Audit what a family would publish; ``previous`` comes from ``previous_slack``.

    ``certified`` caches exact-search results between rounds of one family (suppression only
    widens intervals, so a witness found once stays valid); ``exact_searches`` bounds the
    number of integer programs solved in this call.
    """
    cap = protection_width
    slacks = {
        key: release_slack(
            family.exact_new[key], published_new[key], published_cum[key], policy, cap
        ).minimum(previous[key])
        for key in family.tables()
    }
    merged = _merged(family, layout, slacks)
    caps = _capacities(family, layout, merged, cap)
    failing: dict[str, dict[Key, np.ndarray]] = {"new": {}, "cumulative": {}}
    for key in family.tables():
        exact_new = family.exact_new[key]
        for series, exact, up, dn in (
            ("new", exact_new, caps[key].up_new, caps[key].dn_new),
            ("cumulative", np.cumsum(exact_new, axis=1), caps[key].up_cum, caps[key].dn_cum),
        ):
            failing[series][key] = policy.protected(exact) & (up + dn + 1 < cap) & (exact > dn)
    cache = {} if certified is None else certified
    _refine(family, layout, merged, caps, failing, cache, exact_searches, cap)
    protected = 0
    best: tuple[int, Exposure] | None = None
    for key in family.tables():
        exact_new = family.exact_new[key]
        for series, exact, up, dn in (
            ("new", exact_new, caps[key].up_new, caps[key].dn_new),
            ("cumulative", np.cumsum(exact_new, axis=1), caps[key].up_cum, caps[key].dn_cum),
        ):
            mask = policy.protected(exact)
            protected += int(mask.sum())
            if mask.any():
                width = np.where(mask & (exact > dn), up + dn + 1, np.iinfo(np.int32).max)
                g, d = np.unravel_index(int(width.argmin()), width.shape)
                if best is None or width[g, d] < best[0]:
                    v = int(exact[g, d])
                    cell = CellKey(key[0], key[1], family.groups(*key)[g], family.dates[d], series)
                    interval = (v - int(dn[g, d]), v + int(up[g, d]))
                    best = (int(width[g, d]), Exposure(cell, v, interval))
    tightest = None if best is None else best[1]
    return AuditReport(failing["new"], failing["cumulative"], caps, protected, tightest)
