"""The NHS Digital and midpoint-6 rules and their ladders of coarser steps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.disclosure.errors import UnknownPolicyError
from services.disclosure.registry import get_policy

NHS = get_policy("nhs-digital")
MIDPOINT = get_policy("midpoint6")


def test_the_rules_councils_are_told_about():
    assert [NHS.publish_value(x) for x in (0, 1, 7, 8, 12, 13, 17, 18)] == [
        0, None, None, 10, 10, 15, 15, 20,
    ]  # fmt: skip
    assert [MIDPOINT.publish_value(x) for x in (0, 1, 6, 7, 12, 13)] == [0, 3, 3, 9, 9, 15]
    assert NHS.bases[0] == 5 and MIDPOINT.bases[0] == 6


def test_a_coarse_step_never_shows_a_count_as_zero():
    # Nearest 45 would show 8 as 0: a row at that step starts at 23.
    assert NHS.publish_value(8, level=1) == 15
    assert NHS.publish_value(22, level=2) is None
    assert NHS.publish_value(23, level=2) == 45


@pytest.mark.parametrize("policy", [NHS, MIDPOINT], ids=lambda p: p.name)
@given(exact=st.integers(1, 200_000), level=st.integers(0, 5))
def test_a_shown_figure_brackets_the_truth(policy, exact, level):
    base = np.array([policy.bases[level]])
    shown = policy.publish_value(exact, level)
    if shown is None:
        assert exact < int(policy.min_shown(base)[0])
        return
    lo, hi = policy.rounding_interval(np.array([shown]), base)
    assert lo[0] <= exact <= hi[0]
    assert shown > 0


@pytest.mark.parametrize("policy", [NHS, MIDPOINT], ids=lambda p: p.name)
@given(exact=st.integers(1, 200_000), level=st.integers(0, 4))
def test_a_coarser_step_never_tells_more_than_a_finer_one(policy, exact, level):
    # Steps nest: the coarser interval around the truth contains the finer one, so a count
    # published more coarsely in a later release narrows nothing an earlier one showed.
    fine, coarse = (np.array([policy.bases[k]]) for k in (level, level + 1))
    f_lo, f_hi = policy.rounding_interval(policy.round_to(np.array([exact]), fine), fine)
    c_lo, c_hi = policy.rounding_interval(policy.round_to(np.array([exact]), coarse), coarse)
    assert c_lo[0] <= f_lo[0] and f_hi[0] <= c_hi[0]


def test_an_unknown_policy_is_refused_by_name():
    with pytest.raises(UnknownPolicyError, match="nhs-digital"):
        get_policy("round-to-3")
