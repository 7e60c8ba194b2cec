"""Families whose tables do not add up are refused, and suppression looks the same either way."""

from __future__ import annotations

import numpy as np
import pytest
from disclosure_examples import AREA, single_area_family

from services.disclosure import SUPPRESSED_FLAG, Cross, get_policy, protect_family
from services.disclosure.errors import FamilyShapeError


def _tables() -> dict[str, np.ndarray]:
    return {
        "total": np.array([[9, 12]]),
        "a": np.array([[8, 10], [1, 2]]),
        "b": np.array([[4, 6], [5, 6]]),
    }


def test_a_breakdown_that_does_not_sum_to_the_total_is_refused():
    tables = _tables()
    tables["b"] = np.array([[4, 6], [5, 7]])
    with pytest.raises(FamilyShapeError):
        protect_family(single_area_family(tables), get_policy())


def test_a_cross_whose_labels_are_not_row_and_column_is_refused():
    family = single_area_family(_tables())
    broken = type(family)(
        dates=family.dates,
        areas=family.areas,
        children={},
        breakdowns={**family.breakdowns, "a_b": ("a0|b0", "a0|bX")},
        exact_new={**family.exact_new, (AREA, "a_b"): np.array([[9, 12], [0, 0]])},
        crosses=(Cross("a_b", "a", "b"),),
    )
    with pytest.raises(FamilyShapeError):
        protect_family(broken, get_policy())


def test_primary_and_secondary_suppression_carry_the_same_public_flag():
    result = protect_family(single_area_family(_tables()), get_policy())
    assert result.secondary_suppressed > 0
    for table in (*result.new.values(), *result.cumulative.values()):
        flags = set(table.flags()[table.suppressed].tolist())
        assert flags <= {SUPPRESSED_FLAG}
        assert all(v is None for row, mask in zip(table.to_optional(), table.suppressed,
                                                  strict=True)
                   for v, m in zip(row, mask, strict=True) if m)  # fmt: skip
