"""The two grids a release publishes on: every day, and the last day of every week.

Headline totals and the simple breakdowns are published daily; every breakdown, including
the fine cross-tabulations (detailed ethnic group, age band × ethnic group), is published on
the weekly grid: the cumulative count at the end of each week (Sunday). The weekly grid ends
on the last Sunday on or before the release's last date, so releases on consecutive days
publish the same weekly figures and no two of them differ by a day's vaccinations of a fine
group. Only before a feed's first Sunday does the grid hold the release's last date (and
the previous release's, published then). On a Sunday a daily series and its weekly sample
are the same published number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

SUNDAY = 6


def week_ends(first: date, n_dates: int, extra: Sequence[int] = ()) -> np.ndarray:
    """Indices of the weekly grid: every Sunday up to the last date.

    Before the first Sunday there is no week end yet: the grid holds the last date and
    ``extra``, the last dates of earlier releases before that Sunday (their weekly figures
    were published then), so an earlier release's grid stays a prefix of a later one's.
    """
    days = {i for i in range(n_dates) if (first + timedelta(days=i)).weekday() == SUNDAY}
    first_sunday = min(days, default=n_dates)
    if not days:
        days.add(n_dates - 1)
    days.update(d for d in extra if 0 <= d < min(first_sunday, n_dates))
    return np.array(sorted(days), dtype=np.int64)


def sample_daily(daily: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Daily counts ``[groups × days]`` -> counts per grid step (differences of cumulatives)."""
    cum = np.cumsum(daily, axis=1)[:, columns]
    return np.diff(cum, axis=1, prepend=0)
