"""After protection, no protected value is recoverable by an exhaustive independent attacker."""

from __future__ import annotations

import numpy as np
from disclosure_attacker import feasible_values
from disclosure_examples import (
    as_previous,
    published_lists,
    single_area_family,
    tables_from_events,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from services.disclosure import get_policy, protect_family

WIDTH = 5


@st.composite
def two_releases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Events per (date, a, b) for the current release, and the earlier view of 2 dates."""
    n_dates = draw(st.integers(2, 3))
    events = draw(arrays(np.int64, (n_dates, 2, 2), elements=st.integers(0, 5)))
    late = draw(arrays(np.int64, (2, 2, 2), elements=st.integers(0, 2)))
    earlier = np.maximum(events[:2] - late, 0)
    return events, earlier


def _protect(events: np.ndarray, earlier: np.ndarray, policy_name: str):
    policy = get_policy(policy_name)
    old_tables = tables_from_events(earlier)
    old_family = single_area_family(old_tables)
    old = protect_family(old_family, policy, protection_width=WIDTH)
    tables = tables_from_events(events)
    family = single_area_family(tables, previous=(as_previous(old_family, old, policy),))
    return tables, old_tables, old, protect_family(family, policy, protection_width=WIDTH)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_releases(), st.sampled_from(["nhs-digital", "midpoint6"]))
def test_no_protected_value_is_pinned_after_secondary_suppression(releases, policy_name):
    events, earlier = releases
    tables, old_tables, old, result = _protect(events, earlier, policy_name)
    assert old.audit_passed and result.audit_passed
    feasible = feasible_values(
        policy_name,
        tables,
        published_lists(result, "new"),
        published_lists(result, "cum"),
        previous=[(old_tables, published_lists(old, "new"), published_lists(old, "cum"))],
    )
    for (series, name, g, d), values in feasible.items():
        truth = tables[name] if series == "new" else np.cumsum(tables[name], axis=1)
        v = int(truth[g, d])
        assert v in values  # the attacker's model admits the truth
        if 1 <= v <= 7:
            assert 0 in values or len(values) >= WIDTH, (series, name, g, d, v, values)
