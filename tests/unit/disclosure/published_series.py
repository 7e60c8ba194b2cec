"""Read a release's published tables as the independent attacker sees them.

The meaning of every figure is written here from the published rule (docs/disclosure.md),
not from the engine's code: a figure v rounded to step b means a true v - b//2 .. v + b - 1
- b//2, and at least 8 (or half the step, for steps above 15); 0 means none; a blank before a
group's first figure means no more than that figure, and at least 1 on the date just before
it unless the group is rounded to 45 or more; a group never shown holds less than its
step's smallest shown figure (8 at steps 5 and 15); a group shown as the sum of other
groups is blank whenever one of them is, whatever its size; a
withheld group holds anything. An area's breakdown of a dose opens on the first date the
area's total of that dose (to the nearest 5) shows 55: before then every group is blank,
zeros included, so the "at least 1" above is read only in a table showing a figure on its
first date (open from the start), and "never shown" means less than 8 only in a table that
shows a figure at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from independent_attacker import INF, Series

from services.releases.model import PublishedTable


def _floor(step: int) -> int:
    return max(8, (step + 1) // 2)


def series_of(table: PublishedTable) -> list[Series]:
    """One attacker series per group of a published table."""
    out = []
    dates = table.dates
    opened_at_start = any(row[0] is not None for row in table.cumulative if row)
    opened = any(v is not None for row in table.cumulative for v in row)
    for g, group in enumerate(table.groups):
        values = table.cumulative[g]
        step = table.rounding[g] if table.rounding else 5
        error = table.max_error[g] if table.max_error else 2
        withheld = bool(table.withheld[g]) if table.withheld else False
        shown = [i for i, v in enumerate(values) if v is not None]
        first = shown[0] if shown else len(values)
        lo: list[float] = []
        hi: list[float] = []
        for i, v in enumerate(values):
            if withheld:
                lo.append(0.0)
                hi.append(INF)
            elif v is None:
                floor = 1.0 if (i == first - 1 and step < 45 and step and opened_at_start) else 0.0
                lo.append(floor)
                # A group shown as the sum of others (step 0) is blank whenever one of them is.
                hi.append(float(_floor(step) - 1) if not shown and step and opened else INF)
            elif v == 0:
                lo.append(0.0)
                hi.append(0.0)
            elif step == 0:
                lo.append(max(0.0, v - error))
                hi.append(v + error)
            else:
                lo.append(max(float(_floor(step)), v - step // 2))
                hi.append(float(v + step - 1 - step // 2))
        out.append(Series((table.area, table.dose, table.breakdown, group), dates, lo, hi))
    return out


def release_series(tables: Iterable[PublishedTable]) -> list[Series]:
    """Every group of every table."""
    return [s for t in tables for s in series_of(t)]
