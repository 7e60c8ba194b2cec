"""The disclosure audit: play the attacker against everything a family publishes.

The attacker sees this release and every previous one: each published value is an interval
on an unknown true count, linked by exact linear relations (breakdowns sum to the total and a
cross to its margins, cumulative = running sum of daily, an upper-tier area = the sum of its
LTLAs, and a cell unchanged since an earlier release is the same unknown there). A protected
cell (true value 1–7) is exposed if the attacker can prove an interval that excludes 0 and
holds fewer than ``protection_width`` values.

Rather than bound the attacker from above (interval propagation under-estimates an LP
attacker, and an LP relaxation under-estimates an integer one), the audit proves safety
from below: ``witness`` exhibits alternative truths consistent with every published figure,
so a cell it passes is safe against any attacker. Cells it cannot certify are reported as
failing; the price of this soundness is some over-suppression where a cleverer witness
exists. Each family is an independent component (nothing links two UTLAs or two doses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from services.disclosure.family import CellKey, Exposure, FamilyInput, Key
from services.disclosure.layout import Layout
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

    def exposures(self, family: FamilyInput) -> tuple[Exposure, ...]:
        """The failing cells (true values included: internal use only)."""
        found = []
        for series, masks in (("new", self.failing_new), ("cumulative", self.failing_cum)):
            for (area, b), mask in masks.items():
                exact = family.exact_new[(area, b)]
                cap = self.capacity[(area, b)]
                up, dn = cap.up_new, cap.dn_new
                if series == "cumulative":
                    exact, up, dn = np.cumsum(exact, axis=1), cap.up_cum, cap.dn_cum
                for g, d in zip(*np.nonzero(mask), strict=True):
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


def _capacities(
    family: FamilyInput, layout: Layout, slacks: Mapping[Key, Slack], cap: int
) -> dict[Key, Capacity]:
    caps: dict[Key, Capacity] = {}
    zero = np.zeros
    for summed in layout.uppers:
        for b in family.breakdowns:
            shape = family.exact_new[(summed, b)].shape
            caps[(summed, b)] = Capacity(*(zero(shape, np.int32) for _ in range(4)))
    for lower, upper in layout.chains:
        merged = {}
        for b in family.breakdowns:
            s = slacks[(lower, b)]
            if upper is not None:
                s = s.minimum(slacks[(upper, b)].rows(layout.align[(lower, b)]))
            merged[b] = s
        grids = {c.name: layout.grids[(lower, c.name)] for c in family.crosses}
        for b, capacity in chain_capacity(merged, grids, cap).items():
            caps[(lower, b)] = capacity
            if upper is not None:
                # The upper area's cells move through any one of its LTLAs.
                rows, into = layout.align[(lower, b)], caps[(upper, b)]
                for mine, theirs in zip(vars(into).values(), vars(capacity).values(), strict=True):
                    mine[rows] = np.maximum(mine[rows], theirs)
    return caps


def audit_family(
    family: FamilyInput,
    layout: Layout,
    policy: Policy,
    published_new: Mapping[Key, PublishedArray],
    published_cum: Mapping[Key, PublishedArray],
    previous: Mapping[Key, Slack],
    *,
    protection_width: int = 5,
) -> AuditReport:
    """Audit what a family would publish; ``previous`` comes from ``previous_slack``."""
    cap = protection_width
    slacks = {
        key: release_slack(
            family.exact_new[key], published_new[key], published_cum[key], policy, cap
        ).minimum(previous[key])
        for key in family.tables()
    }
    caps = _capacities(family, layout, slacks, cap)
    failing_new: dict[Key, np.ndarray] = {}
    failing_cum: dict[Key, np.ndarray] = {}
    protected = 0
    best: tuple[int, Exposure] | None = None
    for key in family.tables():
        exact_new = family.exact_new[key]
        for series, exact, up, dn, out in (
            ("new", exact_new, caps[key].up_new, caps[key].dn_new, failing_new),
            (
                "cumulative",
                np.cumsum(exact_new, axis=1),
                caps[key].up_cum,
                caps[key].dn_cum,
                failing_cum,
            ),
        ):
            mask = policy.protected(exact)
            protected += int(mask.sum())
            width = np.where(exact - dn <= 0, np.iinfo(np.int32).max, up + dn + 1)
            out[key] = mask & (width < protection_width)
            if mask.any():
                masked = np.where(mask, width, np.iinfo(np.int32).max)
                g, d = np.unravel_index(int(masked.argmin()), masked.shape)
                if best is None or masked[g, d] < best[0]:
                    v = int(exact[g, d])
                    cell = CellKey(key[0], key[1], family.groups(*key)[g], family.dates[d], series)
                    interval = (v - int(dn[g, d]), v + int(up[g, d]))
                    best = (int(masked[g, d]), Exposure(cell, v, interval))
    tightest = None if best is None else best[1]
    return AuditReport(failing_new, failing_cum, caps, protected, tightest)
