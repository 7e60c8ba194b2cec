"""The NHS Digital and midpoint-6 rules and the values they publish."""

from __future__ import annotations

import math

import numpy as np
import pytest
from disclosure_examples import AREA, single_area_family, tables_from_events
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from services.disclosure import get_policy, protect_family
from services.disclosure.errors import UnknownPolicyError

counts = st.one_of(st.integers(0, 12), st.integers(0, 2_000_000))
count_arrays = arrays(np.int64, st.tuples(st.integers(1, 6), st.integers(1, 8)), elements=counts)
NHS = get_policy("nhs-digital")
MIDPOINT = get_policy("midpoint6")


@given(count_arrays)
def test_nhs_digital_never_shows_1_to_7_and_rounds_to_5(exact):
    published = NHS.publish(exact)
    small = (exact >= 1) & (exact <= 7)
    assert (published.suppressed == small).all()
    shown = published.values[~published.suppressed]
    assert (shown % 5 == 0).all()
    assert not ((shown >= 1) & (shown <= 7)).any()
    assert (published.values[exact == 0] == 0).all()
    assert (np.abs(shown - exact[~published.suppressed]) <= 2).all()


@given(count_arrays)
def test_midpoint6_keeps_zero_and_brackets_the_truth(exact):
    published = MIDPOINT.publish(exact)
    assert not published.suppressed.any()
    v = published.values
    assert (v[exact == 0] == 0).all()
    nonzero = exact > 0
    assert ((v[nonzero] - 2 <= exact[nonzero]) & (exact[nonzero] <= v[nonzero] + 3)).all()


@pytest.mark.parametrize("policy", [NHS, MIDPOINT], ids=lambda p: p.name)
@given(exact=st.integers(0, 100_000))
def test_interval_of_a_published_value_contains_the_truth(policy, exact):
    lo, hi = policy.interval(policy.publish_value(exact))
    assert lo <= exact <= hi


def test_scalar_examples_of_both_rules():
    assert [NHS.publish_value(x) for x in (0, 1, 7, 8, 12, 13, 17, 18)] == [
        0, None, None, 10, 10, 15, 15, 20,
    ]  # fmt: skip
    assert [MIDPOINT.publish_value(x) for x in (0, 1, 6, 7, 12, 13)] == [0, 3, 3, 9, 9, 15]
    assert NHS.interval(None) == (1, math.inf)
    assert NHS.interval(0) == (0, 0)
    assert NHS.interval(10) == (8, 12)
    assert MIDPOINT.interval(9) == (7, 12)


@settings(max_examples=15, deadline=None)
@given(arrays(np.int64, (3, 2, 2), elements=st.integers(0, 30)))
def test_totals_are_rounded_exact_totals_not_sums_of_rounded_cells(events):
    tables = tables_from_events(events)
    result = protect_family(single_area_family(tables), NHS)
    total = result.new[(AREA, "none")]
    shown = ~total.suppressed[0]
    expected = NHS.publish(tables["total"]).values[0]
    assert (total.values[0][shown] == expected[shown]).all()


def test_unknown_policy_is_refused():
    with pytest.raises(UnknownPolicyError):
        get_policy("round-to-10")
