"""Cohort definitions: every NHS code lands in one census group, ages in one band."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.reference import cohorts
from services.reference.age_ranges import AgeRange, edges_of
from services.reference.population_tables import CENSUS_EDGES, load_population_tables

NHS_CODES = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S")


def test_every_nhs_ethnic_code_maps_to_exactly_one_census_group_of_each_kind() -> None:
    tables = load_population_tables()
    census_5 = {group for (_, group, _) in tables.census.prefix}
    census_19 = set(tables.census_detailed["E09000005"])
    assert set(cohorts.NHS_ETHNIC_CATEGORIES) == {*NHS_CODES, "Z", "99"}
    for code in NHS_CODES:
        assert cohorts.NHS_TO_CENSUS_5[code] in census_5
        assert cohorts.NHS_TO_CENSUS_19[code] in census_19
        assert cohorts.NHS_TO_CENSUS_19[code].startswith(cohorts.NHS_TO_CENSUS_5[code] + ":")
    for code in ("Z", "99"):
        assert cohorts.NHS_TO_CENSUS_5[code] == cohorts.NOT_STATED
        assert cohorts.NHS_TO_CENSUS_19[code] == cohorts.NOT_STATED


def test_chinese_is_counted_as_asian_as_in_census_2021() -> None:
    assert cohorts.NHS_TO_CENSUS_19["R"] == "Asian, Asian British or Asian Welsh: Chinese"
    assert cohorts.NHS_TO_CENSUS_5["R"] == "Asian, Asian British or Asian Welsh"


def test_every_census_group_has_an_nhs_code_people_are_recorded_under() -> None:
    census_19 = tuple(load_population_tables().census_detailed["E09000005"])
    for group in census_19:
        code = cohorts.CENSUS_19_TO_NHS[group]
        recorded = cohorts.NHS_TO_CENSUS_19[code]
        assert recorded == cohorts.CENSUS_19_FOLDED.get(group, group)
    assert sorted(cohorts.ETHNIC_GROUPS_19_RECORDED) == sorted(
        g for g in census_19 if g not in cohorts.CENSUS_19_FOLDED
    )


@given(st.integers(0, cohorts.MAX_AGE))
def test_each_age_falls_in_the_band_that_names_it(age: int) -> None:
    bands = (cohorts.AGE_TO_BAND, cohorts.AGE_TO_JCVI_BAND, cohorts.AGE_TO_CROSS_BAND)
    for band in (table[age] for table in bands):
        lo, _, hi = band.replace("+", "-").partition("-")
        assert int(lo) <= age
        assert not hi or age <= int(hi)


def test_jcvi_and_cross_bands_are_unions_of_age_bands_the_census_can_populate() -> None:
    age_edges = edges_of(cohorts.AGE_BANDS)
    for bands in (cohorts.JCVI_AGE_BANDS, cohorts.CROSS_AGE_BANDS):
        for label, lo, hi in bands:
            assert AgeRange(lo, hi).fits(age_edges), label
    for label, lo, hi in cohorts.CROSS_AGE_BANDS:
        assert AgeRange(lo, hi).fits(CENSUS_EDGES), label
    assert cohorts.AGE_BANDS[:3] == ("0-15", "16-17", "18-24")
    assert cohorts.AGE_BANDS[-1] == "90+" and len(cohorts.AGE_BANDS) == 17


def test_jcvi_bands_cover_ages_in_rollout_order() -> None:
    labels = [band for band, _, _ in cohorts.JCVI_AGE_BANDS]
    assert labels[-1] == "80+"
    assert set(cohorts.AGE_TO_JCVI_BAND) == set(labels)


@given(
    st.integers(0, cohorts.MAX_AGE),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_jcvi_group_follows_the_priority_order(
    age: int, care_home: bool, worker: bool, cev: bool, at_risk: bool
) -> None:
    group = cohorts.jcvi_group_for(
        age,
        care_home_resident=care_home,
        health_social_care_worker=worker,
        clinically_extremely_vulnerable=cev,
        at_risk=at_risk,
    )
    if care_home:
        assert group == 1
    elif age >= 80 or worker:
        assert group == 2
    elif group is None:
        assert age < 50 and not ((cev or at_risk) and age >= 16)
    else:
        assert group in cohorts.JCVI_GROUPS
        # Nobody is placed in a later group than their age alone would give.
        assert group <= (cohorts.jcvi_group_for(age) or 10)


def test_brent_has_a_large_black_african_population_to_map() -> None:
    brent = load_population_tables().census_detailed["E09000005"]
    assert brent[cohorts.NHS_TO_CENSUS_19["N"]] > 10_000
