"""Each breakdown's uptake is over a population with stated ages, or says why it cannot be."""

from __future__ import annotations

import pytest

from services.reference import breakdown_populations as rules
from services.reference import cohorts
from services.reference.age_ranges import ADULTS, ALL_AGES, AgeRange
from services.reference.areas import load_areas
from services.reference.breakdowns import BREAKDOWNS
from services.reference.denominators import (
    Missing,
    NoPopulation,
    Population,
    Source,
    load_denominators,
)
from services.reference.errors import UptakeQueryError

BRENT = "E09000005"
LANCASHIRE = "E10000017"


def test_every_breakdown_has_a_rule_and_a_default_source() -> None:
    assert set(rules.RULES) == set(BREAKDOWNS)
    assert rules.default_source("ethnic_group") is Source.CENSUS
    assert rules.default_source("none") is Source.ONS
    assert rules.default_source("jcvi_group") is None


@pytest.mark.parametrize(
    ("breakdown", "ages", "source", "fragment"),
    [
        ("ethnic_group", "18+", None, "0-15, 16-24"),
        ("ethnic_group", "16+", "ons", "its sources are census"),
        ("sex", "50+", None, "only given over ages=all, 16+ or 18+"),
        ("msoa", "16-64", None, "only given over ages=all, 16+ or 18+"),
        ("none", "52+", None, "0-15, 16-17, 18-24"),
        ("none", "85+", "nims", "cannot form ages=85+"),
        ("none", "18+", "census", "cannot form ages=18+"),
        ("imd_decile", "16+", "nims", "its sources are ons"),
    ],
)
def test_queries_a_source_or_the_published_counts_cannot_answer_are_refused(
    breakdown: str, ages: str, source: str | None, fragment: str
) -> None:
    with pytest.raises(UptakeQueryError, match=fragment.replace("+", r"\+")):
        rules.check(breakdown, AgeRange.parse(ages), None if source is None else Source(source))


@pytest.mark.parametrize(
    ("breakdown", "ages", "source"),
    [
        ("none", "16+", None),
        ("none", "50-64", "nims"),
        ("ethnic_group", "50+", None),
        ("ethnic_group", "all", None),
        ("sex", "16+", "census"),
        ("sex", "18+", None),
        ("msoa", "16+", "nims"),
        ("age_band", "52-70", None),
        ("jcvi_group", "50+", None),
    ],
)
def test_queries_that_can_be_answered(breakdown: str, ages: str, source: str | None) -> None:
    rules.check(breakdown, AgeRange.parse(ages), None if source is None else Source(source))


def test_counts_over_an_age_range_are_sums_of_published_cells() -> None:
    everyone = rules.numerator("none", "all", AgeRange(50, 64))
    assert everyone.breakdown == "age_band" and everyone.ages == AgeRange(50, 64)
    assert everyone.groups == ("50-54", "55-59", "60-64")
    # The same count is the total less every other band.
    assert everyone.whole == ("none", "all")
    assert set(everyone.outside) == set(cohorts.AGE_BANDS) - set(everyone.groups)
    adults = rules.numerator("none", "all", ADULTS)
    assert adults.groups == cohorts.AGE_BANDS[1:]
    black = "Black, Black British, Black Welsh, Caribbean or African"
    older = rules.numerator("ethnic_group", black, AgeRange(65, None))
    assert older.breakdown == "age_band_ethnic_group" and older.groups == (f"65+|{black}",)
    assert older.whole == ("ethnic_group", black) and len(older.outside) == 8
    assert rules.numerator("sex", "MALE", ADULTS).ages is None
    assert rules.below(ADULTS) == ("0-15",) and rules.below(AgeRange(18, None)) == ("0-15", "16-17")
    assert rules.numerator("none", "all", ALL_AGES).groups == ("all",)


def test_every_published_group_has_a_default_population_or_a_documented_reason() -> None:
    denominators = load_denominators()
    areas = load_areas()
    for area in (BRENT, LANCASHIRE, *areas.ltla_codes_in(LANCASHIRE)):
        ltlas = areas.ltla_codes_in(area)
        for name, breakdown in BREAKDOWNS.items():
            groups = {g for ltla in ltlas for g in breakdown.groups(ltla)}
            for group in groups:
                found = rules.default_population(denominators, name, group, ltlas)
                if isinstance(found, NoPopulation):
                    assert found.reason is not Missing.MISSING_REFERENCE, (area, name, group)
                    assert found.detail


def test_age_band_populations_partition_the_adults() -> None:
    denominators = load_denominators()
    ltlas = load_areas().ltla_codes_in(LANCASHIRE)
    for source in (Source.ONS, Source.NIMS):
        adults = denominators.population(ltlas, rules.EVERYONE, ADULTS, source)
        bands = [
            rules.population(denominators, "jcvi_age_band", band, ltlas, ADULTS, source)
            for band, _, _ in cohorts.JCVI_AGE_BANDS
        ]
        shown = [b.value for b in bands if isinstance(b, Population)]
        assert isinstance(adults, Population) and sum(shown) == adults.value
        assert isinstance(bands[0], NoPopulation) and bands[0].reason is Missing.OUTSIDE_AGES


@pytest.mark.parametrize("area", [BRENT, LANCASHIRE, "E12000002"])
@pytest.mark.parametrize("name", ["age_band", "jcvi_age_band", "msoa", "none", "imd_decile"])
def test_residents_of_the_groups_partition_the_area(area: str, name: str) -> None:
    denominators = load_denominators()
    ltlas = load_areas().ltla_codes_in(area)
    groups = {g for ltla in ltlas for g in BREAKDOWNS[name].groups(ltla)}
    total = sum(rules.residents(denominators, name, g, ltlas) or 0 for g in groups)
    assert total == load_areas().get(area).population  # type: ignore[union-attr]


def test_a_neighbourhood_of_another_area_is_a_data_problem_there() -> None:
    brent_msoa = load_areas().msoas_in(BRENT)[0]
    found = rules.population(
        load_denominators(),
        "msoa",
        brent_msoa,
        load_areas().ltla_codes_in(LANCASHIRE),
        ADULTS,
        Source.ONS,
    )
    assert isinstance(found, NoPopulation) and found.reason is Missing.MISSING_REFERENCE
