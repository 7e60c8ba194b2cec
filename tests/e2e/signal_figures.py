"""The funnel plot and slope index as the page shows them, against the same figures worked out
here from the API's published numbers (scipy's normal quantiles, numpy's least squares)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from scipy.stats import norm

Z = {"lim95": float(norm.ppf(0.975)), "lim998": float(norm.ppf(0.999))}
CLASS_OF_TEXT = {
    "below (99.8% limit)": "below",
    "below (95% limit)": "below95",
    "within the limits": "within",
    "above (95% limit)": "above95",
    "above (99.8% limit)": "above",
}
FUNNEL_SVG = """() => {
  const svg = document.querySelector('#funnel svg');
  const texts = [...svg.querySelectorAll('text')].map((t) => ({
    x: +t.getAttribute('x'), y: +t.getAttribute('y'), text: t.textContent }));
  const limits = [...svg.querySelectorAll('path.limit')].map((p) => ({
    cls: p.getAttribute('class'), d: p.getAttribute('d') }));
  const avg = svg.querySelector('line.avg');
  const dots = [...svg.querySelectorAll('circle.dot')].map((c) => ({
    cls: c.getAttribute('class'), label: c.getAttribute('aria-label') }));
  return { texts, limits, avg: +avg.getAttribute('y1'), dots };
}"""


def z_score(uptake_percent: float, population: int, area_percent: float) -> float:
    """A neighbourhood's distance from the area's rate in binomial standard errors."""
    p0 = area_percent / 100
    return float((uptake_percent / 100 - p0) / np.sqrt(p0 * (1 - p0) / population))


def expected_class(z: float) -> str:
    """Where a z score falls: outside the 99.8% limits, the 95% limits, or within them."""
    if abs(z) >= Z["lim998"]:
        return "below" if z < 0 else "above"
    if abs(z) >= Z["lim95"]:
        return "below95" if z < 0 else "above95"
    return "within"


def _axis(points: list[tuple[float, float]]) -> np.poly1d:
    """The straight map from drawn position to value through an axis's labelled ticks."""
    positions, values = zip(*points, strict=True)
    return np.poly1d(np.polyfit(positions, values, 1))


def check_funnel(page: Any, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Assert the drawn control limits, the dots' flags and the table's z against our own
    calculation; return the neighbourhoods outside the lower limits, furthest first."""
    drawn = page.evaluate(FUNNEL_SVG)
    area = groups[0]["area_uptake_percent"]
    y_ticks = [(t["y"] - 4, float(t["text"][:-1])) for t in drawn["texts"] if t["text"][-1] == "%"]
    x_ticks = [
        (t["x"], float(t["text"].replace(",", "")))
        for t in drawn["texts"]
        if re.fullmatch(r"[\d,]+", t["text"])
    ]
    value_at, people_at = _axis(y_ticks), _axis(x_ticks)
    low, high = min(v for _, v in y_ticks), max(v for _, v in y_ticks)
    assert abs(value_at(drawn["avg"]) - area) < 0.02, (value_at(drawn["avg"]), area)
    p0 = area / 100
    assert {lim["cls"] for lim in drawn["limits"]} == {"limit lim95", "limit lim998"}
    for lim in drawn["limits"]:
        z = Z[lim["cls"].split()[1]]
        checked = 0
        for x, y in re.findall(r"[ML]([\d.]+),([\d.]+)", lim["d"]):
            shown = value_at(float(y))
            if not low + 0.01 < shown < high - 0.01:
                continue  # clipped at the edge of the plot
            side = 1 if shown > area else -1
            # Points are drawn to 0.1 px: the limit anywhere within 0.06 px of the point.
            near = [
                100 * (p0 + side * z * np.sqrt(p0 * (1 - p0) / people_at(float(x) + dx)))
                + value_at(float(y) + dy)
                - shown
                for dx in (-0.06, 0.06)
                for dy in (-0.06, 0.06)
            ]
            assert min(near) - 0.005 <= shown <= max(near) + 0.005, (lim["cls"], x, shown, near)
            checked += 1
        assert checked > 20, lim

    published = [g for g in groups if g["uptake_percent"] is not None and g["population"]]
    zs = {g["label"]: z_score(g["uptake_percent"], g["population"], area) for g in published}
    assert len(drawn["dots"]) == len(published)
    for dot in drawn["dots"]:
        label = dot["label"].split(": ")[0]
        assert dot["cls"] == "dot " + expected_class(zs[label]), (dot, zs[label])

    rows = page.locator("#funnel-table tbody tr")
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        label = cells[0].rsplit(" (", 1)[0]
        if label not in zs:
            assert cells[3] == "" and cells[5] == "", cells
            continue
        assert abs(float(cells[5]) - zs[label]) <= 0.051, (cells, zs[label])
        assert CLASS_OF_TEXT[cells[3]] == expected_class(zs[label]), (cells, zs[label])
    below = sorted(
        (g for g in published if zs[g["label"]] <= -Z["lim95"]), key=lambda g: zs[g["label"]]
    )
    return below


def expected_slope_index(groups: list[dict[str, Any]]) -> tuple[float, float, float, int]:
    """SII by population-weighted least squares on each decile's mid-point in the population
    ranked from most to least deprived: (slope, 95% low, 95% high, deciles fitted)."""
    ranked = sorted((g for g in groups if g["population"]), key=lambda g: int(g["group"]))
    population = np.array([g["population"] for g in ranked], dtype=float)
    ranks = (np.cumsum(population) - population / 2) / population.sum()
    fitted = [i for i, g in enumerate(ranked) if g["uptake_percent"] is not None]
    x, n = ranks[fitted], population[fitted]
    y = np.array([ranked[i]["uptake_percent"] for i in fitted])
    design = np.column_stack([np.ones_like(x), x])
    bread = np.linalg.inv(design.T @ np.diag(n) @ design)
    slope = float((bread @ design.T @ np.diag(n) @ y)[1])
    meat = design.T @ np.diag(n * n * y * (100 - y) / n) @ design
    se = float(np.sqrt((bread @ meat @ bread)[1, 1]))
    return slope, slope - Z["lim95"] * se, slope + Z["lim95"] * se, len(fitted)


def check_slope_index(page: Any, groups: list[dict[str, Any]]) -> None:
    """The page's slope index and its interval, to the decimal it shows, are ours."""
    text = page.locator("#imd-sii").inner_text()
    found = re.search(
        r"Slope index of inequality: (-?[\d.]+) points \(95% interval (-?[\d.]+) to "
        r"(-?[\d.]+)\), from (\d+) published deciles",
        text,
    )
    assert found, text
    slope, low, high, used = expected_slope_index(groups)
    shown = [float(v) for v in found.groups()[:3]]
    for got, want in zip(shown, (slope, low, high), strict=True):
        assert abs(got - want) <= 0.051, (text, slope, low, high)
    assert int(found.group(4)) == used
