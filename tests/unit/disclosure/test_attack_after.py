"""The independent attacker finds nothing in a release protected by the linked audit.

The release is built by the release service's own table builder from the demo's simulated
North West London feed (full scale, every breakdown, both grids). The attacker reads
Hammersmith and Fulham's tables, every London borough's headline and London's, knowing only
the published figures and the rule, and must pin no count of 1 to 7 — by propagation over
everything, and by linear programs on the cells it bounds most tightly and on a sample of
the rest.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date

import numpy as np
import pytest
from independent_attacker import INF, build_model, lp_interval, propagate, window_of
from published_series import release_series

from devtools.simulator.config import SimulationConfig
from devtools.simulator.simulator import Simulator
from services.disclosure.registry import get_policy
from services.reference.areas import load_areas
from services.reference.breakdowns import DEFAULT_BREAKDOWNS
from services.release.tables import build_tables, date_range

HF, LONDON = "E09000013", "E12000007"
DATES = date_range(date(2020, 12, 8), date(2021, 6, 30))
WIDTH = 5

pytestmark = pytest.mark.slow


@functools.cache
def _release():
    counts = Simulator(SimulationConfig(scale=1.0)).expected_counts().counts
    cells: dict = defaultdict(dict)
    for (ltla, day, dose, breakdown, group), n in counts.items():
        cells[(ltla, dose, breakdown)][(day, group)] = n
    tables = build_tables(
        cells,
        areas=load_areas(),
        breakdowns=list(DEFAULT_BREAKDOWNS),
        policy=get_policy("nhs-digital"),
        dates=DATES,
        doses=(1, 2),
    )
    return cells, tables


def _truth(cells, key, dates) -> np.ndarray:
    area, dose, breakdown, group = key
    daily = np.zeros(len(DATES), dtype=np.int64)
    for (day, g), n in cells.get((area, dose, breakdown), {}).items():
        if g == group:
            daily[(day - DATES[0]).days] += n
    cum = np.cumsum(daily)
    return cum[[(d - DATES[0]).days for d in dates]]


def test_the_release_passes_its_own_audit_and_meets_the_loss_targets():
    _, tables = _release()
    assert tables.passed, tables.failing
    assert tables.headline_blank_dates == 0
    for loss in tables.loss:
        assert loss["large_blank_latest"] == 0, loss
        assert loss["blank_share_all_dates"] <= 0.01, loss


def test_no_count_of_1_to_7_is_pinned_by_an_independent_attacker():
    cells, tables = _release()
    seen = [
        t
        for t in tables.tables
        if t.dose in (1, 2)
        and (t.area == HF or (t.breakdown == "none" and t.area[:3] in ("E09", "E12")))
    ]
    london = sorted({t.area for t in seen if t.area.startswith("E09")})
    series = release_series(seen)
    model = build_model(series, children={LONDON: london}, dose_order=True)
    lo, hi = propagate(model)
    protected = []
    for s in series:
        if s.key[0] != HF:
            continue
        truth = _truth(cells, s.key, s.dates)
        previous = 0
        for i, day in enumerate(s.dates):
            for var, true in (
                (model.cum[(s.key, day)], truth[i]),
                (model.step[(s.key, day)], truth[i] - previous),
            ):
                assert lo[var] <= true <= hi[var], (s.key, day)
                if 1 <= true <= 7:
                    protected.append((min(hi[var], INF) - lo[var] + 1, var, day, s.key))
            previous = truth[i]
    assert len(protected) > 1000
    pinned = [p for p in protected if p[0] < WIDTH]
    assert not pinned, pinned[:5]
    protected.sort(key=lambda p: p[0])
    rng = np.random.default_rng(0)
    sample = protected[:120] + [protected[i] for i in rng.choice(len(protected), 60, replace=False)]
    for _, var, day, key in sample:
        a, b = lp_interval(model, lo, hi, var, window_of(model, day))
        assert b - a + 1 >= WIDTH, (key, day, a, b)
