"""An independent attacker on published releases: bound propagation, then linear programs.

It shares no code with ``services.disclosure``. It reads what a council downloads — for each
area, dose, breakdown and group, the published cumulative series (and, for releases that
published it separately, the daily one) — and the public meaning of each figure, and it
infers the relations between series from their labels alone:

* every breakdown of an area adds up to the area's total (breakdown ``none``);
* a group whose age range is exactly a union of another breakdown's age ranges is their sum
  (JCVI 30-39 = age 30-34 + 35-39; the same label in two tables is the same count);
* a Census 2021 high-level ethnic group is the sum of the detailed groups named after it;
* a cross ``"row|col"`` adds up to its column margin (an ethnic group) and to its row margin
  (the age bands making up the row's range);
* an upper area's total is the sum of its children's totals (a region and its boroughs);
* cumulative counts never fall; a daily count is the difference of cumulative ones.

Every series is cut into variables at its own published dates (daily, or weekly for tables
published weekly); a relation is used on every date all its series are published on. The
attacker propagates interval bounds through all of it to a fixpoint, then tightens chosen
cells further with linear programs (HiGHS) over windows of dates with the propagated bounds
as boxes. It returns, per attacked cell, the interval of values it cannot exclude.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_array, csr_array

INF = 1e12
"""Stands for infinity in float bound arrays (exact for integers far beyond any count)."""

SeriesKey = tuple[str, int, str, str]
"""``(area, dose, breakdown, group)``."""


@dataclass
class Series:
    """One published series: its dates and, per date, the interval the figure implies.

    ``cum_lo/cum_hi`` bound the cumulative count on each date; ``new_lo/new_hi`` (optional)
    bound a separately published daily count on the same dates.
    """

    key: SeriesKey
    dates: list[date]
    cum_lo: list[float]
    cum_hi: list[float]
    new_lo: list[float] | None = None
    new_hi: list[float] | None = None


@dataclass
class Model:
    """Variables (cumulative and per-step counts) and linear equalities between them."""

    lo: np.ndarray
    hi: np.ndarray
    cum: dict[tuple[SeriesKey, date], int] = field(default_factory=dict)
    step: dict[tuple[SeriesKey, date], int] = field(default_factory=dict)
    rows: list[list[tuple[int, float]]] = field(default_factory=list)


def age_range(label: str) -> tuple[int, int] | None:
    """``"30-34"`` -> (30, 34); ``"80+"`` -> (80, 200); None otherwise."""
    m = re.fullmatch(r"(\d+)-(\d+)", label)
    if m:
        return int(m[1]), int(m[2])
    m = re.fullmatch(r"(\d+)\+", label)
    return (int(m[1]), 200) if m else None


def _union_of(target: tuple[int, int], parts: Mapping[str, tuple[int, int]]) -> list[str] | None:
    inside = sorted((r, g) for g, r in parts.items() if target[0] <= r[0] and r[1] <= target[1])
    expected = target[0]
    for (a, b), _ in inside:
        if a != expected:
            return None
        expected = b + 1
    return [g for _, g in inside] if inside and expected == target[1] + 1 else None


def relations(
    groups: Mapping[str, Sequence[str]],
) -> list[tuple[tuple[str, str], list[tuple[str, str]]]]:
    """``(target, members)`` label relations of one area and dose, from the labels alone."""
    out: list[tuple[tuple[str, str], list[tuple[str, str]]]] = []
    for b, labels in groups.items():
        if b != "none":
            out.append((("none", "all"), [(b, g) for g in labels]))
    ages: dict[str, dict[str, tuple[int, int]]] = {}
    for b, labels in groups.items():
        ranges = {g: r for g in labels if (r := age_range(g)) is not None}
        if ranges and len(ranges) == len(labels):
            ages[b] = ranges
    for coarse, coarse_ranges in ages.items():
        for fine, fine_ranges in ages.items():
            if coarse == fine:
                continue
            for g, r in coarse_ranges.items():
                parts = _union_of(r, fine_ranges)
                if parts and (len(parts) > 1 or coarse < fine):
                    out.append(((coarse, g), [(fine, p) for p in parts]))
    if "ethnic_group" in groups and "ethnic_group_detailed" in groups:
        for g in groups["ethnic_group"]:
            parts = [d for d in groups["ethnic_group_detailed"] if d == g or d.split(":")[0] == g]
            if parts:
                out.append((("ethnic_group", g), [("ethnic_group_detailed", p) for p in parts]))
    for b, labels in groups.items():
        if not all("|" in g for g in labels):
            continue
        by_row: dict[str, list[str]] = defaultdict(list)
        by_col: dict[str, list[str]] = defaultdict(list)
        for g in labels:
            row, col = g.split("|", 1)
            by_row[row].append(g)
            by_col[col].append(g)
        for col, cells in by_col.items():
            if col in groups.get("ethnic_group", ()):
                out.append((("ethnic_group", col), [(b, c) for c in cells]))
        for row, cells in by_row.items():
            r = age_range(row)
            for other, ranges in ages.items():
                parts = _union_of(r, ranges) if r else None
                if parts:
                    # row total = sum of the age bands = sum of its cells: an equality between
                    # two sums, written with a virtual series for the row total
                    out.append(((f"~{b}", row), [(b, c) for c in cells]))
                    out.append(((f"~{b}", row), [(other, p) for p in parts]))
                    break
    return out


def build_model(
    series: Iterable[Series],
    *,
    children: Mapping[str, Sequence[str]] = {},
    dose_order: bool = False,
) -> Model:
    """Variables for every published figure, and every relation the labels imply."""
    all_series = {s.key: s for s in series}
    lo: list[float] = []
    hi: list[float] = []
    model = Model(np.zeros(0), np.zeros(0))

    def var(lo_: float, hi_: float) -> int:
        lo.append(lo_)
        hi.append(hi_)
        return len(lo) - 1

    for s in all_series.values():
        previous: int | None = None
        for i, d in enumerate(s.dates):
            c = var(max(0.0, s.cum_lo[i]), s.cum_hi[i])
            model.cum[(s.key, d)] = c
            n_lo = s.new_lo[i] if s.new_lo is not None else 0.0
            n_hi = s.new_hi[i] if s.new_hi is not None else INF
            n = var(max(0.0, n_lo), n_hi)
            model.step[(s.key, d)] = n
            # cum[d] = cum[previous] + step[d]  (from 0 before the first date)
            eq = [(c, 1.0), (n, -1.0)]
            if previous is not None:
                eq.append((previous, -1.0))
            model.rows.append(eq)
            previous = c
    daily_grid = {k: set(s.dates) for k, s in all_series.items()}
    by_area_dose: dict[tuple[str, int], dict[str, list[str]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for area, dose, b, g in all_series:
        by_area_dose[(area, dose)][b].append(g)
    virtual: dict[tuple[SeriesKey, date], int] = {}
    for (area, dose), groups in by_area_dose.items():
        for target, members in relations(groups):
            tkey = (area, dose, *target)
            mkeys = [(area, dose, *m) for m in members]
            if any(m not in all_series for m in mkeys):
                continue
            dates = set.intersection(*(daily_grid[m] for m in mkeys))
            if not target[0].startswith("~"):
                if tkey not in all_series:
                    continue
                dates &= daily_grid[tkey]
            for d in sorted(dates):
                if target[0].startswith("~"):
                    t = virtual.get((tkey, d))
                    if t is None:
                        t = virtual[(tkey, d)] = var(0.0, INF)
                else:
                    t = model.cum[(tkey, d)]
                model.rows.append([(t, -1.0), *((model.cum[(m, d)], 1.0) for m in mkeys)])
    for upper, lowers in children.items():
        for dose in {k[1] for k in all_series}:
            tkey = (upper, dose, "none", "all")
            mkeys = [(lower, dose, "none", "all") for lower in lowers]
            if tkey not in all_series or any(m not in all_series for m in mkeys):
                continue
            dates = daily_grid[tkey].intersection(*(daily_grid[m] for m in mkeys))
            for d in sorted(dates):
                model.rows.append(
                    [(model.cum[(tkey, d)], -1.0), *((model.cum[(m, d)], 1.0) for m in mkeys)]
                )
    model.lo, model.hi = np.array(lo), np.array(hi)
    model.order = _dose_order(all_series, model) if dose_order else []  # type: ignore[attr-defined]
    return model


def _dose_order(all_series: Mapping[SeriesKey, Series], model: Model) -> list[tuple[int, int]]:
    """Second doses of a group at most its first doses (stable groups: not age bands)."""
    pairs = []
    for (area, dose, b, g), s in all_series.items():
        earlier = (area, dose - 1, b, g)
        if dose < 2 or earlier not in all_series or "age" in b or b == "jcvi_group":
            continue
        for d in s.dates:
            if (earlier, d) in model.cum:
                pairs.append((model.cum[((area, dose, b, g), d)], model.cum[(earlier, d)]))
    return pairs


def _matrix(model: Model) -> csr_array:
    r, c, v = [], [], []
    for i, eq in enumerate(model.rows):
        for j, a in eq:
            r.append(i)
            c.append(j)
            v.append(a)
    return coo_array((v, (r, c)), shape=(len(model.rows), len(model.lo))).tocsr()


def propagate(model: Model, max_passes: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Interval bounds of every variable at the fixpoint of all equalities (integers).

    Activity-based bound tightening: for each equality ``Σ a_k x_k = 0`` the other terms'
    least and greatest sums bound each term. Infinite bounds are counted, not added, so a
    bound is derived only from finite ones.
    """
    a = _matrix(model)
    rows, cols = a.nonzero()
    coef = np.asarray(a[rows, cols]).ravel()
    n_rows = a.shape[0]
    lo = np.where(model.lo >= INF, np.inf, model.lo).astype(float)
    hi = np.where(model.hi >= INF, np.inf, model.hi).astype(float)
    order = np.array(getattr(model, "order", []), dtype=np.intp).reshape(-1, 2)
    for _ in range(max_passes):
        before = (lo.copy(), hi.copy())
        # Each term's least and greatest contribution a_k x_k.
        least = np.where(coef > 0, coef * lo[cols], coef * hi[cols])
        most = np.where(coef > 0, coef * hi[cols], coef * lo[cols])
        least_inf, most_inf = np.isinf(least), np.isinf(most)
        sum_least = np.bincount(rows, np.where(least_inf, 0.0, least), n_rows)
        sum_most = np.bincount(rows, np.where(most_inf, 0.0, most), n_rows)
        n_least_inf = np.bincount(rows, least_inf, n_rows)
        n_most_inf = np.bincount(rows, most_inf, n_rows)
        # The other terms' sums, finite only if none of the others is infinite.
        rest_least = sum_least[rows] - np.where(least_inf, 0.0, least)
        rest_most = sum_most[rows] - np.where(most_inf, 0.0, most)
        rest_least_ok = (n_least_inf[rows] - least_inf) == 0
        rest_most_ok = (n_most_inf[rows] - most_inf) == 0
        # a_j x_j = -(others): within [-rest_most, -rest_least].
        new_lo = np.where(coef > 0, -rest_most / coef, -rest_least / coef)
        new_hi = np.where(coef > 0, -rest_least / coef, -rest_most / coef)
        lo_ok = np.where(coef > 0, rest_most_ok, rest_least_ok)
        hi_ok = np.where(coef > 0, rest_least_ok, rest_most_ok)
        np.maximum.at(lo, cols[lo_ok], np.ceil(new_lo[lo_ok] - 1e-9))
        np.minimum.at(hi, cols[hi_ok], np.floor(new_hi[hi_ok] + 1e-9))
        if len(order):
            np.minimum.at(hi, order[:, 0], hi[order[:, 1]])
            np.maximum.at(lo, order[:, 1], lo[order[:, 0]])
        if np.array_equal(lo, before[0]) and np.array_equal(hi, before[1]):
            break
    return lo, np.where(np.isinf(hi), INF, hi)


def lp_interval(
    model: Model, lo: np.ndarray, hi: np.ndarray, target: int, window: Sequence[int]
) -> tuple[int, int]:
    """Min and max of one variable over the equalities among ``window`` variables (boxes lo/hi)."""
    idx = np.array(sorted(set(window) | {target}), dtype=np.intp)
    where = {int(v): i for i, v in enumerate(idx)}
    if not hasattr(model, "eqs_of"):
        eqs_of: dict[int, list[int]] = defaultdict(list)
        for i, eq in enumerate(model.rows):
            for j, _ in eq:
                eqs_of[j].append(i)
        model.eqs_of = eqs_of  # type: ignore[attr-defined]
    candidates = {i for v in idx.tolist() for i in model.eqs_of.get(v, ())}  # type: ignore[attr-defined]
    eqs = [model.rows[i] for i in sorted(candidates) if all(j in where for j, _ in model.rows[i])]
    if eqs:
        r = [i for i, eq in enumerate(eqs) for _ in eq]
        c = [where[j] for eq in eqs for j, _ in eq]
        v = [a for eq in eqs for _, a in eq]
        a_eq = coo_array((v, (r, c)), shape=(len(eqs), len(idx))).tocsr()
        b_eq = np.zeros(len(eqs))
    else:
        a_eq, b_eq = None, None
    order = np.array(getattr(model, "order", []), dtype=np.intp).reshape(-1, 2)
    keep = [(where[s], where[g]) for s, g in order.tolist() if s in where and g in where]
    a_ub, b_ub = None, None
    if keep:
        r = [i for i in range(len(keep)) for _ in (0, 1)]
        c = [x for pair in keep for x in pair]
        v = [1.0, -1.0] * len(keep)
        a_ub = coo_array((v, (r, c)), shape=(len(keep), len(idx))).tocsr()
        b_ub = np.zeros(len(keep))
    bounds = [(float(lo[j]), None if hi[j] >= INF / 10 else float(hi[j])) for j in idx]
    objective = np.zeros(len(idx))
    objective[where[target]] = 1.0
    out = []
    for sign in (1.0, -1.0):
        res = linprog(
            sign * objective,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=b_eq,
            bounds=bounds,
            method="highs",
        )
        if res.status != 0:
            return int(lo[target]), int(min(hi[target], INF))
        out.append(sign * res.fun)
    return int(np.ceil(out[0] - 1e-6)), int(np.floor(out[1] + 1e-6))


def window_of(model: Model, day: date, before: int = 7, after: int = 1) -> list[int]:
    """Every variable dated from ``before`` days before ``day`` to ``after`` days after it."""
    if not hasattr(model, "by_date"):
        by_date: dict[date, list[int]] = defaultdict(list)
        for table in (model.cum, model.step):
            for (_, d), v in table.items():
                by_date[d].append(v)
        model.by_date = by_date  # type: ignore[attr-defined]
    found: list[int] = []
    for offset in range(-before, after + 1):
        found.extend(model.by_date.get(date.fromordinal(day.toordinal() + offset), ()))  # type: ignore[attr-defined]
    return found
