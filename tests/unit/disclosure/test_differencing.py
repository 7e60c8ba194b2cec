"""A planted differencing attack is caught by the audit and closed by secondary suppression."""

from __future__ import annotations

import numpy as np
from disclosure_attacker import feasible_values
from disclosure_examples import AREA, published_lists, single_area_family

from services.disclosure import get_policy, protect_family
from services.disclosure.audit import audit_family, previous_slack
from services.disclosure.layout import build_layout

NHS = get_policy("nhs-digital")


def _planted() -> dict[str, np.ndarray]:
    # One day: total 9 (shown as 10, so 8..12), a0 = 8 (shown as 10), a1 = 1 (suppressed).
    # total - a0 pins a1 to 1..4: fewer than five values.
    return {
        "total": np.array([[9]]),
        "a": np.array([[8], [1]]),
        "b": np.array([[8], [1]]),
    }


def test_audit_catches_total_minus_visible_cells():
    family = single_area_family(_planted())
    layout = build_layout(family)
    new = {k: NHS.publish(v) for k, v in family.exact_new.items()}
    cum = {k: NHS.publish(np.cumsum(v, axis=1)) for k, v in family.exact_new.items()}
    report = audit_family(family, layout, NHS, new, cum, previous_slack(family, 5))
    assert not report.passed
    assert report.failing_new[(AREA, "a")][1, 0]  # a1 is exposed


def test_secondary_suppression_closes_the_attack():
    tables = _planted()
    result = protect_family(single_area_family(tables), NHS)
    assert result.audit_passed
    assert result.secondary_suppressed > 0
    assert {(c.breakdown, c.group) for c in result.secondary_cells} & {
        ("a", "a0"), ("none", "all")
    }  # fmt: skip
    feasible = feasible_values(
        "nhs-digital", tables, published_lists(result, "new"), published_lists(result, "cum")
    )
    assert len(feasible[("new", "a", 1, 0)]) >= 5


def test_cumulative_differencing_is_caught():
    # cum 1233 then 1234: both shown as 1235, so the day's new count of 1 is pinned to 1..4.
    a = np.array([[1233, 1], [0, 0]])
    tables = {"total": a.sum(axis=0)[None], "a": a, "b": a.copy()}
    family = single_area_family(tables)
    layout = build_layout(family)
    new = {k: NHS.publish(v) for k, v in family.exact_new.items()}
    cum = {k: NHS.publish(np.cumsum(v, axis=1)) for k, v in family.exact_new.items()}
    report = audit_family(family, layout, NHS, new, cum, previous_slack(family, 5))
    assert report.failing_new[(AREA, "a")][0, 1]
    result = protect_family(family, NHS)
    assert result.audit_passed
    feasible = feasible_values(
        "nhs-digital", tables, published_lists(result, "new"), published_lists(result, "cum")
    )
    assert 0 in feasible[("new", "a", 0, 1)] or len(feasible[("new", "a", 0, 1)]) >= 5
