"""The audit against an exact integer-programming attacker, with an upper-tier area and a cross.

The attacker here is written independently of the package: unknowns are every daily cell of
every table, constraints are the published intervals (daily and cumulative), the sums of each
breakdown to the total, the cross to its margins and the UTLA to its two LTLAs; HiGHS gives
the exact smallest and largest value of each protected cell.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from disclosure_attacker import public_interval
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import Bounds, LinearConstraint, milp

from services.disclosure import Cross, FamilyInput, ProtectedFamily, get_policy, protect_family

UPPER, LOWERS = "E10000001", ("E07000001", "E07000002")
AGES, ETHNIC = ("young", "old"), ("w", "b")
CROSS = tuple(f"{a}|{e}" for a in AGES for e in ETHNIC)
BREAKDOWNS = {"none": ("all",), "age": AGES, "eth": ETHNIC, "age_eth": CROSS}
N_DATES = 3
WIDTH = 5


def _family(events: np.ndarray) -> FamilyInput:
    """``events[lower, date, age, eth]`` counts -> a two-tier family."""
    exact = {}
    for i, area in enumerate(LOWERS):
        e = events[i]
        exact[(area, "none")] = e.sum(axis=(1, 2))[None]
        exact[(area, "age")] = e.sum(axis=2).T.copy()
        exact[(area, "eth")] = e.sum(axis=1).T.copy()
        exact[(area, "age_eth")] = e.reshape(N_DATES, 4).T.copy()
    for b in BREAKDOWNS:
        exact[(UPPER, b)] = exact[(LOWERS[0], b)] + exact[(LOWERS[1], b)]
    return FamilyInput(
        dates=tuple(date(2021, 2, 1) + timedelta(days=i) for i in range(N_DATES)),
        areas=(*LOWERS, UPPER),
        children={UPPER: LOWERS},
        breakdowns=BREAKDOWNS,
        exact_new=exact,
        crosses=(Cross("age_eth", "age", "eth"),),
    )


def _exact_attack(family: FamilyInput, result: ProtectedFamily, policy: str) -> dict:
    """Exact (min, max) of every daily and cumulative cell under everything published."""
    index = {}
    for key in family.exact_new:
        for g in range(len(BREAKDOWNS[key[1]])):
            for d in range(N_DATES):
                index[(key, g, d)] = len(index)
    n = len(index)
    rows, lo, hi = [], [], []

    def add(coefs: dict[int, float], low: float, high: float) -> None:
        row = np.zeros(n)
        for i, c in coefs.items():
            row[i] += c
        rows.append(row)
        lo.append(low)
        hi.append(high)

    for key in family.exact_new:
        for g in range(len(BREAKDOWNS[key[1]])):
            for d in range(N_DATES):
                low, high = public_interval(policy, result.new[key].to_optional()[g][d])
                add({index[(key, g, d)]: 1}, low, high)
                low, high = public_interval(policy, result.cumulative[key].to_optional()[g][d])
                add({index[(key, g, t)]: 1 for t in range(d + 1)}, low, high)
    for area in family.areas:
        for d in range(N_DATES):
            total = index[((area, "none"), 0, d)]
            for b in ("age", "eth", "age_eth"):
                add({**{index[((area, b), g, d)]: 1 for g in range(len(BREAKDOWNS[b]))},
                     total: -1}, 0, 0)  # fmt: skip
            for r in range(2):
                add({index[((area, "age_eth"), 2 * r, d)]: 1,
                     index[((area, "age_eth"), 2 * r + 1, d)]: 1,
                     index[((area, "age"), r, d)]: -1}, 0, 0)  # fmt: skip
                add({index[((area, "age_eth"), r, d)]: 1,
                     index[((area, "age_eth"), r + 2, d)]: 1,
                     index[((area, "eth"), r, d)]: -1}, 0, 0)  # fmt: skip
    for b, groups in BREAKDOWNS.items():
        for g in range(len(groups)):
            for d in range(N_DATES):
                add({index[((UPPER, b), g, d)]: 1,
                     index[((LOWERS[0], b), g, d)]: -1,
                     index[((LOWERS[1], b), g, d)]: -1}, 0, 0)  # fmt: skip
    constraint = LinearConstraint(np.array(rows), lo, hi)
    bounds = Bounds(np.zeros(n), np.full(n, 10_000.0))

    def extreme(objective: np.ndarray) -> tuple[int, int]:
        out = []
        for sign in (1, -1):
            res = milp(sign * objective, constraints=constraint, integrality=np.ones(n),
                       bounds=bounds)  # fmt: skip
            out.append(round(float(objective @ res.x)))
        return out[0], out[1]

    found = {}
    for (key, g, d), i in index.items():
        daily = np.zeros(n)
        daily[i] = 1
        found[("new", key, g, d)] = extreme(daily)
        cumulative = np.zeros(n)
        for t in range(d + 1):
            cumulative[index[(key, g, t)]] = 1
        found[("cumulative", key, g, d)] = extreme(cumulative)
    return found


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arrays(np.int64, (2, N_DATES, 2, 2), elements=st.integers(0, 4)),
    st.sampled_from(["nhs-digital", "midpoint6"]),
)
def test_protected_cells_survive_an_exact_attacker_across_tiers_and_a_cross(events, policy):
    family = _family(events)
    result = protect_family(family, get_policy(policy), protection_width=WIDTH)
    assert result.audit_passed
    exact = _exact_attack(family, result, policy)
    if result.tightest is not None:  # the audit's witnesses are real alternative truths
        cell = result.tightest.cell
        key = (cell.area, cell.breakdown)
        found = exact[(cell.series, key, BREAKDOWNS[key[1]].index(cell.group),
                       family.dates.index(cell.date))]  # fmt: skip
        assert found[0] <= result.tightest.certified[0] <= result.tightest.certified[1] <= found[1]
    for (series, key, g, d), (low, high) in exact.items():
        table = family.exact_new[key]
        v = int((table if series == "new" else np.cumsum(table, axis=1))[g, d])
        assert low <= v <= high
        if 1 <= v <= 7:
            assert low <= 0 or high - low + 1 >= WIDTH, (series, key, g, d, v, low, high)
