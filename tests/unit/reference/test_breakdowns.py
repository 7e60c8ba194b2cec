"""Breakdowns give every event one group."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reference import cohorts
from services.reference.areas import load_areas
from services.reference.breakdowns import (
    BREAKDOWNS,
    DEFAULT_BREAKDOWNS,
    UNKNOWN,
    select_breakdowns,
)
from services.reference.errors import UnknownBreakdownError

BRENT = "E09000005"


@dataclass(frozen=True)
class Person:
    age_years: int
    sex: str
    ethnic_category: str
    jcvi_group: int | None
    imd_decile: int | None
    msoa_code: str | None


people = st.builds(
    Person,
    age_years=st.integers(0, cohorts.MAX_AGE),
    sex=st.sampled_from(["FEMALE", "MALE", "INDETERMINATE", "NOT_KNOWN"]),
    ethnic_category=st.sampled_from(list(cohorts.NHS_ETHNIC_CATEGORIES)),
    jcvi_group=st.none() | st.integers(1, 9),
    imd_decile=st.none() | st.integers(1, 10),
    msoa_code=st.none() | st.sampled_from(load_areas().msoas_in(BRENT)),
)


def test_all_named_breakdowns_exist() -> None:
    assert set(DEFAULT_BREAKDOWNS) == {
        "none",
        "age_band",
        "jcvi_age_band",
        "jcvi_group",
        "ethnic_group",
        "ethnic_group_detailed",
        "sex",
        "imd_decile",
        "msoa",
        "age_band_ethnic_group",
    }


@given(people)
def test_every_person_falls_in_one_of_the_listed_groups(person: Person) -> None:
    for breakdown in BREAKDOWNS.values():
        group = breakdown.group_of(person)
        assert group in breakdown.groups(BRENT), (breakdown.name, group)


def test_group_labels_are_the_ones_councils_read() -> None:
    person = Person(52, "FEMALE", "M", None, 1, None)
    groups = {name: b.group_of(person) for name, b in BREAKDOWNS.items()}
    assert groups["age_band"] == "50-54"
    assert groups["ethnic_group"] == "Black, Black British, Black Welsh, Caribbean or African"
    assert groups["ethnic_group_detailed"].endswith(": Caribbean")
    assert groups["sex"] == "FEMALE"
    assert groups["imd_decile"] == "1"
    assert groups["msoa"] == UNKNOWN
    assert groups["age_band_ethnic_group"] == (
        "50-54|Black, Black British, Black Welsh, Caribbean or African"
    )
    older = Person(67, "MALE", "A", None, 1, None)
    assert BREAKDOWNS["age_band"].group_of(older) == "65-69"
    assert BREAKDOWNS["age_band_ethnic_group"].group_of(older) == "65+|White"
    teen = Person(17, "MALE", "Z", None, 1, None)
    assert BREAKDOWNS["age_band"].group_of(teen) == "16-17"
    assert BREAKDOWNS["age_band_ethnic_group"].group_of(teen) == (f"16-24|{cohorts.NOT_STATED}")


def test_msoa_groups_are_the_ltlas_neighbourhoods() -> None:
    groups = BREAKDOWNS["msoa"].groups(BRENT)
    assert groups[:-1] == load_areas().msoas_in(BRENT)
    assert groups[-1] == UNKNOWN


def test_select_breakdowns_keeps_order_and_rejects_unknown_names() -> None:
    assert [b.name for b in select_breakdowns(["sex", "none", "sex"])] == ["sex", "none"]
    assert [b.name for b in select_breakdowns("msoa, age_band")] == ["msoa", "age_band"]
    with pytest.raises(UnknownBreakdownError, match="postcode"):
        select_breakdowns(["age_band", "postcode"])


def test_grouping_is_fast_enough_for_the_aggregator() -> None:
    person = Person(67, "MALE", "N", 5, 3, "E02000093")
    breakdowns = tuple(BREAKDOWNS.values())
    n = 20_000
    start = time.perf_counter()
    for _ in range(n):
        for b in breakdowns:
            b.group_of(person)
    elapsed = time.perf_counter() - start
    # All ten breakdowns for 100k events a second leaves room for decoding and Redis.
    assert n / elapsed > 100_000
