"""What an attacker knows from the release published before: its bounds on unchanged counts.

A count whose exact value has not changed since the previous release (no late or corrected
records for it) was published then too, perhaps more precisely (a row's step only grows),
and the attacker may have pinned it further with that release's other figures. So the
previous release is attacked as it was published — rebuilt from its exact counts and its
disclosure state — and its bounds on every unchanged count carry over as prior knowledge.
A grid of the previous release is a prefix of this release's grid (``grids.week_ends``), so
columns line up; a daily or weekly count carries over only when both cumulative counts it is
the difference of are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from services.disclosure.linked.bounds import UNBOUNDED
from services.disclosure.linked.joint import Part


def carried_priors(
    current: Sequence[Part],
    previous: Sequence[Part],
    bounds: Sequence[tuple[np.ndarray, np.ndarray]],
) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Per current part, prior bounds from the matching previous part (None if nothing)."""
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    for part, old, (old_lo, old_hi) in zip(current, previous, bounds, strict=True):
        family, old_family = part.family, old.family
        n, m = family.n_dates, old_family.n_dates
        if m > n or not np.array_equal(part.rule.col_dates[:m], old.rule.col_dates):
            out.append(None)
            continue
        old_rows = {key: r for r, key in enumerate(old_family.keys)}
        lo = np.zeros((family.n_rows, 2 * n), dtype=np.int64)
        hi = np.full((family.n_rows, 2 * n), UNBOUNDED, dtype=np.int64)
        found = False
        for row, key in enumerate(family.keys):
            r = old_rows.get(key)
            if r is None:
                continue
            same = family.exact[row, :m] == old_family.exact[r]
            if not same.any():
                continue
            found = True
            both = same & np.concatenate([[True], same[:-1]])
            lo[row, n : n + m] = np.where(same, old_lo[r, m:], 0)
            hi[row, n : n + m] = np.where(same, old_hi[r, m:], UNBOUNDED)
            lo[row, :m] = np.where(both, old_lo[r, :m], 0)
            hi[row, :m] = np.where(both, old_hi[r, :m], UNBOUNDED)
        out.append((lo, hi) if found else None)
    return out
