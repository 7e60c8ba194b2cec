"""The dashboard's funnel limits and slope index, run as the page runs them, against answers
worked out here: by hand, with scipy's normal quantiles and with numpy's least squares."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.stats import norm

SIGNAL_JS = Path(__file__).parents[3] / "services" / "api" / "static" / "dashboard_signal.js"
Z95 = float(norm.ppf(0.975))
Z998 = float(norm.ppf(0.999))


def page_call(function: str, *args: Any) -> Any:
    """Call one of the page's signal functions in node, as the browser would, and return it."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the page's JavaScript cannot be run outside a browser")
    script = (
        f"{SIGNAL_JS.read_text()}\n"
        f"process.stdout.write(JSON.stringify({function}(...{json.dumps(args)})));\n"
    )
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def lower_limit(p0: float, n: int, z: float) -> float:
    """The funnel's lower control limit (percent) for n people around an area's p0 (percent)."""
    p = p0 / 100
    return 100 * (p - z * np.sqrt(p * (1 - p) / n))


@pytest.mark.parametrize(
    ("z", "inside", "outside"),
    [
        (Z95, "within the limits", "below (95% limit)"),
        (Z998, "below (95% limit)", "below (99.8% limit)"),
    ],
)
def test_a_neighbourhood_is_flagged_only_beyond_the_stated_limit(
    z: float, inside: str, outside: str
) -> None:
    # 70% in the area; a neighbourhood of 1,000: limits 70 ± z·√(0.21/1000) (67.16, 65.52).
    limit = lower_limit(70.0, 1000, z)
    assert page_call("signalOf", limit + 0.01, 1000, 70.0)["text"] == inside
    assert page_call("signalOf", limit - 0.01, 1000, 70.0)["text"] == outside


def test_the_same_gap_is_a_signal_in_a_large_neighbourhood_and_noise_in_a_small_one() -> None:
    # 66% against 70%: z = -4/√(2100/n): -1.95 for n = 500, -8.73 for n = 10,000.
    small = page_call("signalOf", 66.0, 500, 70.0)
    large = page_call("signalOf", 66.0, 10_000, 70.0)
    assert small["z"] == pytest.approx(-4 / np.sqrt(2100 / 500))
    assert small["text"] == "within the limits"
    assert large["z"] == pytest.approx(-4 / np.sqrt(2100 / 10_000))
    assert large["text"] == "below (99.8% limit)"
    above = page_call("signalOf", 74.0, 10_000, 70.0)
    assert above["text"] == "above (99.8% limit)"


def test_a_withheld_uptake_or_an_empty_neighbourhood_has_no_signal() -> None:
    assert page_call("signalOf", None, 1000, 70.0) is None
    assert page_call("signalOf", 60.0, 0, 70.0) is None


def sandwich_sii(
    ranks: np.ndarray, uptake: np.ndarray, population: np.ndarray
) -> tuple[float, float]:
    """Population-weighted least squares of uptake on rank, with each decile's binomial variance."""
    design = np.column_stack([np.ones_like(ranks), ranks])
    weights = np.diag(population)
    bread = np.linalg.inv(design.T @ weights @ design)
    coef = bread @ design.T @ weights @ uptake
    variance = np.diag(uptake * (100 - uptake) / population)
    cov = bread @ design.T @ weights @ variance @ weights @ design @ bread
    return float(coef[1]), float(np.sqrt(cov[1, 1]))


def deciles(uptake: list[float | None], population: list[int]) -> list[dict[str, Any]]:
    return [
        {"decile": i + 1, "uptake": None if u is None else float(u), "population": int(n)}
        for i, (u, n) in enumerate(zip(uptake, population, strict=True))
    ]


def test_uptake_rising_straight_with_affluence_gives_that_slope() -> None:
    # Equal deciles sit at ranks 0.05, 0.15 … 0.95; uptake 40 + 30·rank has a slope of 30.
    ranks = (np.arange(10) + 0.5) / 10
    sii = page_call("slopeIndex", deciles(list(40 + 30 * ranks), [1000] * 10))
    assert sii["slope"] == pytest.approx(30.0)
    assert sii["intercept"] == pytest.approx(40.0)
    assert sii["used"] == 10


def test_the_slope_of_unequal_deciles_is_the_weighted_least_squares_slope() -> None:
    population = np.array([3000, 2500, 2000, 1800, 1500, 1200, 1000, 900, 600, 400])
    uptake = np.array([52.0, 55.5, 57.0, 61.5, 60.0, 66.5, 68.0, 71.5, 70.0, 78.0])
    ranks = (np.cumsum(population) - population / 2) / population.sum()
    slope, se = sandwich_sii(ranks, uptake, population)
    sii = page_call("slopeIndex", deciles(list(uptake), list(population)))
    assert sii["slope"] == pytest.approx(slope)
    assert sii["low"] == pytest.approx(slope - Z95 * se)
    assert sii["high"] == pytest.approx(slope + Z95 * se)


def test_a_withheld_decile_keeps_its_place_in_the_ranking() -> None:
    # The most deprived decile is withheld: the others stay where their residents stand, so
    # uptake straight in the true rank still gives the true slope (not one squeezed leftwards).
    population = np.array([2000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0])
    ranks = (np.cumsum(population) - population / 2) / population.sum()
    uptake: list[float | None] = [None, *(45 + 20 * ranks[1:9]), None]
    sii = page_call("slopeIndex", deciles(uptake, list(population)))
    assert sii["slope"] == pytest.approx(20.0)
    assert sii["used"] == 8


def test_too_few_published_deciles_give_no_slope() -> None:
    assert page_call("slopeIndex", deciles([50.0, None, 60.0, None], [100] * 4)) is None
