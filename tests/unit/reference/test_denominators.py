"""Denominators: recomputed here straight from the shipped files, and compared with the module."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reference import cohorts
from services.reference.age_ranges import ADULTS, ALL_AGES, AgeRange
from services.reference.areas import load_areas
from services.reference.denominators import (
    EVERYONE,
    Cohort,
    Missing,
    NoPopulation,
    Population,
    Source,
    load_denominators,
)
from tests.unit.reference.reference_files import file_rows, years

HAMMERSMITH = "E09000013"
BRENT = "E09000005"
LANCASHIRE = "E10000017"
BLACKBURN = "E06000008"
ENGLAND = tuple(a.code for a in load_areas().ltlas())
BLACK = "Black, Black British, Black Welsh, Caribbean or African"
MIXED = "Mixed or Multiple ethnic groups"


def _value(answer: Population | NoPopulation) -> int:
    assert isinstance(answer, Population), answer
    return answer.value


def test_the_figures_the_issue_quotes_for_hammersmith_and_fulham() -> None:
    d = load_denominators()
    assert _value(d.population((HAMMERSMITH,), EVERYONE, ADULTS, Source.ONS)) == 149_600
    assert _value(d.population((HAMMERSMITH,), EVERYONE, ADULTS, Source.NIMS)) == 215_912
    mixed = Cohort("ethnic_group", MIXED)
    adults = _value(d.population((HAMMERSMITH,), mixed, ADULTS, Source.CENSUS))
    everyone = _value(d.population((HAMMERSMITH,), mixed, ALL_AGES, Source.CENSUS))
    assert round(adults / everyone, 2) == 0.65


def test_ons_ages_by_sex_recomputed_from_the_file() -> None:
    lancs = load_areas().ltla_codes_in(LANCASHIRE)
    expected = sum(
        years(row, 50, 64)
        for row in file_rows("population_ltla_sex_single_year_mid2020.csv")
        if row["ltla_code"] in lancs and row["sex"] == "F"
    )
    women = Cohort("sex", "F")
    answer = load_denominators().population(lancs, women, AgeRange(50, 64), Source.ONS)
    assert answer == Population(expected, Source.ONS, AgeRange(50, 64))


def test_msoa_populations_from_ons_and_nims_recomputed_from_the_files() -> None:
    msoa = load_areas().msoas_in(HAMMERSMITH)[3]
    sape = next(
        r
        for r in file_rows("population_msoa11_single_year_mid2020.csv.gz")
        if r["msoa11_code"] == msoa
    )
    nims = next(
        r for r in file_rows("nims_msoa11_population_20210706.csv.gz") if r["msoa11_code"] == msoa
    )
    d = load_denominators()
    cohort = Cohort("msoa", msoa)
    assert _value(d.population((HAMMERSMITH,), cohort, AgeRange(18, None), Source.ONS)) == (
        years(sape, 18, None)
    )
    assert _value(d.population((HAMMERSMITH,), cohort, ADULTS, Source.NIMS)) == int(nims["16+"])
    # 16-17 is the difference of the two published aggregates, never their sum with the bands.
    teens = int(nims["16+"]) - int(nims["18+"])
    assert _value(d.population((HAMMERSMITH,), cohort, AgeRange(16, 17), Source.NIMS)) == teens
    assert _value(d.population((HAMMERSMITH,), cohort, ALL_AGES, Source.NIMS)) == (
        int(nims["Under 18"]) + int(nims["18+"])
    )
    outside = d.population((BRENT,), cohort, ADULTS, Source.ONS)
    assert isinstance(outside, NoPopulation) and outside.reason is Missing.OUTSIDE_AREA


def test_deprivation_decile_populations_recomputed_from_the_file() -> None:
    expected = sum(
        years(row, 65, None)
        for row in file_rows("population_ltla_imd_decile_single_year_mid2020.csv.gz")
        if row["ltla_code"] == BLACKBURN and row["imd_decile"] == "1"
    )
    answer = load_denominators().population(
        (BLACKBURN,), Cohort("imd_decile", "1"), AgeRange(65, None), Source.ONS
    )
    assert _value(answer) == expected > 0


def test_census_ethnic_group_by_age_recomputed_from_the_file() -> None:
    adult_bands = [
        "16-19",
        "20-21",
        "22-24",
        *(f"{lo}-{lo + 4}" for lo in range(25, 65, 5)),
        "65+",
    ]
    expected = sum(
        int(row[band])
        for row in file_rows("census2021_ltla_ethnic5_sex_age13.csv")
        if row["ltla_code"] == BRENT and row["ethnic_group_5"] == BLACK
        for band in adult_bands
    )
    answer = load_denominators().population(
        (BRENT,), Cohort("ethnic_group", BLACK), ADULTS, Source.CENSUS
    )
    assert _value(answer) == expected


def test_nims_ltla_aggregates_recomputed_from_the_file() -> None:
    row = next(r for r in file_rows("nims_ltla_population_20210706.csv") if r["ltla_code"] == BRENT)
    d = load_denominators()
    assert _value(d.population((BRENT,), EVERYONE, AgeRange(18, None), Source.NIMS)) == int(
        row["18+"]
    )
    assert _value(d.population((BRENT,), EVERYONE, AgeRange(50, 64), Source.NIMS)) == sum(
        int(row[b]) for b in ("50-54", "55-59", "60-64")
    )


def test_england_totals_match_the_published_ones() -> None:
    d = load_denominators()
    assert _value(d.population(ENGLAND, EVERYONE, ALL_AGES, Source.ONS)) == 56_550_138
    assert _value(d.population(ENGLAND, EVERYONE, ALL_AGES, Source.CENSUS)) == 56_490_030
    assert _value(d.population(ENGLAND, EVERYONE, ALL_AGES, Source.NIMS)) == 61_670_646
    assert _value(d.population(ENGLAND, EVERYONE, ADULTS, Source.NIMS)) == 50_548_544
    assert _value(d.population(ENGLAND, EVERYONE, AgeRange(18, None), Source.NIMS)) == 49_206_424
    women = _value(d.population(ENGLAND, Cohort("sex", "F"), ALL_AGES, Source.ONS))
    assert women == 28_567_320


@given(st.integers(0, 90), st.integers(0, 90), st.sampled_from(["F", "M"]))
def test_ons_ranges_add_up(a: int, b: int, sex: str) -> None:
    lo, hi = min(a, b), max(a, b)
    d = load_denominators()
    whole = d.population((BRENT,), Cohort("sex", sex), AgeRange(lo, None), Source.ONS)
    parts = [
        d.population((BRENT,), Cohort("sex", sex), AgeRange(lo, hi - 1), Source.ONS)
        if hi > lo
        else Population(0, Source.ONS, AgeRange(lo, lo)),
        d.population((BRENT,), Cohort("sex", sex), AgeRange(hi, None), Source.ONS),
    ]
    assert _value(whole) == sum(_value(p) for p in parts)


def test_everyone_is_the_sum_of_the_sexes_and_of_the_ethnic_groups() -> None:
    d = load_denominators()
    ltlas = load_areas().ltla_codes_in(LANCASHIRE)
    ages = AgeRange(25, 49)
    for source in (Source.ONS, Source.CENSUS):
        sexes = sum(_value(d.population(ltlas, Cohort("sex", s), ages, source)) for s in "FM")
        assert _value(d.population(ltlas, EVERYONE, ages, source)) == sexes
    groups = sum(
        _value(d.population(ltlas, Cohort("ethnic_group", g), ages, Source.CENSUS))
        for g in cohorts.ETHNIC_GROUPS_5
    )
    assert _value(d.population(ltlas, EVERYONE, ages, Source.CENSUS)) == groups


def test_detailed_groups_are_estimated_from_their_five_group_age_structure() -> None:
    d = load_denominators()
    ltlas = (BRENT,)
    african = Cohort("ethnic_group_detailed", f"{BLACK}: African")
    everyone = d.population(ltlas, african, ALL_AGES, Source.CENSUS)
    adults = d.population(ltlas, african, ADULTS, Source.CENSUS)
    assert isinstance(everyone, Population) and not everyone.estimated
    assert isinstance(adults, Population) and adults.estimated
    black = Cohort("ethnic_group", BLACK)
    share = _value(d.population(ltlas, black, ADULTS, Source.CENSUS)) / _value(
        d.population(ltlas, black, ALL_AGES, Source.CENSUS)
    )
    assert adults.value == pytest.approx(everyone.value * share, abs=1)
    # Gypsy or Irish Traveller and Roma people are recorded as Other White.
    other_white = d.population(
        ltlas, Cohort("ethnic_group_detailed", "White: Other White"), ALL_AGES, Source.CENSUS
    )
    census = {
        r["ethnic_group_19"]: int(r["population"])
        for r in file_rows("ethnicity_ltla_census2021_19groups.csv")
        if r["ltla_code"] == BRENT
    }
    assert _value(other_white) == (
        census["White: Other White"]
        + census["White: Gypsy or Irish Traveller"]
        + census["White: Roma"]
    )


@pytest.mark.parametrize(
    ("cohort", "ages", "source", "reason"),
    [
        (EVERYONE, AgeRange(18, None), Source.CENSUS, Missing.AGE_RANGE),
        (EVERYONE, AgeRange(80, 84), Source.NIMS, Missing.AGE_RANGE),
        (EVERYONE, AgeRange(85, 95), Source.ONS, Missing.AGE_RANGE),
        (Cohort("sex", "F"), ADULTS, Source.NIMS, Missing.NO_SOURCE),
        (Cohort("ethnic_group", BLACK), ADULTS, Source.ONS, Missing.NO_SOURCE),
        (Cohort("imd_decile", "3"), ADULTS, Source.CENSUS, Missing.NO_SOURCE),
        (Cohort("sex", "NOT_KNOWN"), ADULTS, Source.ONS, Missing.NOT_COUNTED),
        (Cohort("ethnic_group", cohorts.NOT_STATED), ADULTS, Source.CENSUS, Missing.NOT_COUNTED),
        (Cohort("imd_decile", "Unknown"), ADULTS, Source.ONS, Missing.NOT_COUNTED),
        (Cohort("msoa", "Unknown"), ADULTS, Source.ONS, Missing.NOT_COUNTED),
    ],
)
def test_no_population_says_why(
    cohort: Cohort, ages: AgeRange, source: Source, reason: Missing
) -> None:
    answer = load_denominators().population((BRENT,), cohort, ages, source)
    assert isinstance(answer, NoPopulation)
    assert answer.reason is reason
    assert answer.detail


def test_an_area_the_reference_data_lacks_is_reported_as_missing_data() -> None:
    answer = load_denominators().population(("E09999999",), EVERYONE, ADULTS, Source.ONS)
    assert isinstance(answer, NoPopulation) and answer.reason is Missing.MISSING_REFERENCE
