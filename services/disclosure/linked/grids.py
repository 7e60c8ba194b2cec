"""The two grids a release publishes on: every day, and the last day of every week.

Headline totals and the simple breakdowns are published daily; every breakdown, including
the fine cross-tabulations (detailed ethnic group, age band × ethnic group), is published on
the weekly grid: the cumulative count at the end of each week (Sunday), on the release's last
date and on the last date of the release before it. On a Sunday a daily series and its weekly
sample are the same published number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

SUNDAY = 6


def week_ends(first: date, n_dates: int, extra: Sequence[int] = ()) -> np.ndarray:
    """Indices of the weekly grid: every Sunday, the last date, and ``extra`` dates.

    ``extra`` holds the last dates of earlier releases: their figures were published then,
    so the grid keeps them as columns and an earlier release's grid is always a prefix.
    """
    days = {i for i in range(n_dates) if (first + timedelta(days=i)).weekday() == SUNDAY}
    days.add(n_dates - 1)
    days.update(d for d in extra if 0 <= d < n_dates)
    return np.array(sorted(days), dtype=np.int64)


def sample_daily(daily: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Daily counts ``[groups × days]`` -> counts per grid step (differences of cumulatives)."""
    cum = np.cumsum(daily, axis=1)[:, columns]
    return np.diff(cum, axis=1, prepend=0)
