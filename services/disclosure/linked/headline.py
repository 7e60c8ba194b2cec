"""The headline family: every area's daily total, for every dose, on one grid.

Every council sees every area's headline (to compare with its neighbours), so the totals of
all LTLAs, upper tiers, regions and England are one linked family: an upper tier, a region
or England is the sum of its LTLAs on every date. The LTLA and upper-tier totals are the same
rows as in their clusters; this family adds the links between areas.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from services.disclosure.linked.model import FamilyBuilder, LinkedFamily, RowKey

TOTAL = ("none", "all")


def headline_family(
    *,
    n_dates: int,
    doses: Sequence[int],
    ltla_daily: Mapping[tuple[str, int], np.ndarray],
    uppers: Mapping[str, tuple[str, ...]],
    regions: Mapping[str, tuple[str, ...]],
    england: str,
    start_levels: Mapping[RowKey, int] | None = None,
) -> tuple[LinkedFamily, frozenset[int]]:
    """The family of all totals; also returns the rows of LTLA and upper-tier totals."""
    builder = FamilyBuilder(n_dates)
    shared: set[int] = set()

    def key(area: str, dose: int) -> RowKey:
        return (area, dose, *TOTAL)

    for dose in doses:
        rows = {}
        for (ltla, d), daily in ltla_daily.items():
            if d == dose:
                rows[ltla] = builder.add(key(ltla, dose), np.cumsum(daily))
        shared.update(rows.values())
        for upper, lowers in uppers.items():
            if upper in rows:
                continue
            members = [rows[lower] for lower in lowers]
            row = builder.add(key(upper, dose), np.sum([builder.exact(m) for m in members], axis=0))
            builder.link_sum(row, members)
            shared.add(row)
        region_rows = []
        for region, lowers in regions.items():
            members = [rows[lower] for lower in lowers]
            row = builder.add(
                key(region, dose), np.sum([builder.exact(m) for m in members], axis=0)
            )
            builder.link_sum(row, members)
            region_rows.append(row)
        row = builder.add(
            key(england, dose), np.sum([builder.exact(m) for m in region_rows], axis=0)
        )
        builder.link_sum(row, region_rows)
    for earlier, later in itertools.pairwise(doses):
        for k, row in builder.index().items():
            if k[1] == later:
                before = builder.row((k[0], earlier, *TOTAL))
                if before is not None:
                    builder.at_most(row, before)
    for k, level in (start_levels or {}).items():
        found = builder.row(k)
        if found is not None:
            builder.raise_level(found, level)
    return builder.build(), frozenset(shared)
