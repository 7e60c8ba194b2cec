"""Uptake is a published count over a stated population, and says why when it cannot be."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.api.uptake import (
    DISAGREEMENT_POINTS,
    NOT_PUBLISHED,
    PART_SUPPRESSED,
    SUPPRESSED,
    GroupUptake,
    group_uptake,
    percentages,
)
from services.reference import cohorts
from services.reference.age_ranges import ADULTS, ALL_AGES, AgeRange
from services.reference.denominators import (
    EVERYONE,
    Cohort,
    Population,
    Source,
    load_denominators,
)
from services.releases.model import PublishedTable
from tests.unit.api.uptake_examples import HAMMERSMITH, counts, table

DENOMINATORS = load_denominators()
HF = (HAMMERSMITH,)
BLACK = "Black, Black British, Black Welsh, Caribbean or African"


def _ages(under_16: int | None = 40, teens: int | None = 900) -> dict[str, list[int | None]]:
    """Cumulative counts by age band on two dates (the second 16-17 value as given)."""
    series: dict[str, list[int | None]] = {band: [1000, 2000] for band in cohorts.AGE_BANDS}
    series["0-15"] = [0, under_16]
    series["16-17"] = [0, teens]
    return series


def _uptake(
    breakdown: str, group: str, ages: AgeRange, source: Source | None, *tables: PublishedTable
) -> GroupUptake:
    return group_uptake(
        counts(*tables),
        DENOMINATORS,
        breakdown=breakdown,
        group=group,
        ltla_codes=HF,
        ages=ages,
        source=source,
        width=2,
    )


def test_percentages_round_half_up_and_withhold_an_empty_population() -> None:
    assert percentages(np.array([1, 5, 1250]), 800).tolist() == [0.1, 0.6, 156.3]
    assert percentages(np.array([5]), 2000).tolist() == [0.3]  # 0.25 %: half up
    assert math.isnan(percentages(np.array([5]), 0)[0])


def test_everyone_aged_16_and_over_is_the_sum_of_the_published_age_bands() -> None:
    total = table("none", {"all": [15000, 31000]})
    ages = table("age_band", _ages())
    u = _uptake("none", "all", ADULTS, Source.ONS, total, ages)
    assert u.population == Population(149_600, Source.ONS, ADULTS)
    assert u.numerator is not None and u.numerator.at(1) == 2000 * 15 + 900
    assert u.numerator_ages == ADULTS
    assert u.percent_at(1) == round(100 * 30_900 / 149_600, 1)
    # NIMS counts 215,912 people aged 16+ in H&F: far more than a few points apart.
    assert u.comparison is not None and u.comparison.population.source is Source.NIMS
    assert u.comparison.population.value == 215_912
    assert bool(u.comparison.disagrees[1])
    assert abs(u.comparison.percent[1] - u.percent[1]) > DISAGREEMENT_POINTS


def test_a_suppressed_part_is_made_up_from_the_total_or_withheld_never_shown_partial() -> None:
    total = table("none", {"all": [15000, 31000]})
    ages = table("age_band", _ages(teens=None))
    u = _uptake("none", "all", ADULTS, Source.ONS, total, ages)
    # 16-17 is suppressed: everyone aged 16+ is the total less the published 0-15.
    assert u.numerator is not None and u.numerator.at(1) == 31000 - 40
    assert u.percent_at(1) == round(100 * 30_960 / 149_600, 1)
    both = table("age_band", _ages(under_16=None, teens=None))
    withheld = _uptake("none", "all", ADULTS, Source.ONS, total, both)
    assert withheld.percent_at(1) is None and withheld.reason[1] == PART_SUPPRESSED
    assert withheld.percent_at(0) is not None and withheld.reason[0] == ""
    # All ages is the published total itself, whatever the age bands say.
    everyone = _uptake("none", "all", ALL_AGES, Source.ONS, total, ages)
    assert everyone.numerator is not None and everyone.numerator.at(1) == 31000


def test_without_age_band_tables_the_16_plus_count_is_not_published() -> None:
    u = _uptake("none", "all", ADULTS, Source.ONS, table("none", {"all": [1, 2]}))
    assert u.percent_at(1) is None and u.reason[1] == NOT_PUBLISHED


def test_counts_of_every_age_say_so_and_give_the_under_16s_vaccinated() -> None:
    sexes = table("sex", {"FEMALE": [800, 16000], "MALE": [700, 15000], "NOT_KNOWN": [0, 10]})
    ages = table("age_band", _ages(under_16=40))
    women = _uptake("sex", "FEMALE", ADULTS, Source.ONS, sexes, ages)
    assert women.numerator_ages is None
    assert women.below is not None and women.below.at(1) == 40
    expected = DENOMINATORS.population(HF, EVERYONE, ADULTS, Source.ONS)
    assert isinstance(women.population, Population)
    assert women.population.value < expected.value  # type: ignore[union-attr]
    unknown = _uptake("sex", "NOT_KNOWN", ADULTS, Source.ONS, sexes, ages)
    assert unknown.percent_at(1) is None and unknown.reason[1] == "not_counted"


def test_an_age_band_outside_the_chosen_ages_has_no_uptake() -> None:
    ages = table("age_band", _ages())
    young = _uptake("age_band", "0-15", ADULTS, Source.ONS, ages)
    assert young.percent_at(1) is None and young.reason[1] == "outside_age_range"
    jcvi = table("jcvi_age_band", {"30-39": [10, 20], "40-49": [10, 20]})
    partly = _uptake("jcvi_age_band", "30-39", AgeRange(35, None), Source.ONS, jcvi)
    assert partly.reason[1] == "partly_outside_age_range"
    inside = _uptake("age_band", "50-54", ADULTS, Source.NIMS, ages)
    assert inside.ages == AgeRange(50, 54)
    assert isinstance(inside.population, Population) and inside.population.source is Source.NIMS
    # NIMS publishes 80 and over as one band.
    old = _uptake("age_band", "85-89", ADULTS, Source.NIMS, ages)
    assert old.reason[1] == "unsupported_age_range"


def test_an_ethnic_group_aged_50_plus_is_the_sum_of_its_cross_cells() -> None:
    rows = [label for label, lo, _ in cohorts.CROSS_AGE_BANDS]
    cross = table(
        "age_band_ethnic_group",
        {f"{row}|{BLACK}": [10, 100 + i] for i, row in enumerate(rows)},
    )
    black = table("ethnic_group", {BLACK: [100, 2000]})
    u = _uptake("ethnic_group", BLACK, AgeRange(50, None), Source.CENSUS, black, cross)
    assert u.numerator is not None and u.numerator.at(1) == 105 + 106 + 107 + 108
    population = DENOMINATORS.population(
        HF, Cohort("ethnic_group", BLACK), AgeRange(50, None), Source.CENSUS
    )
    assert u.population == population


def test_uptake_above_100_percent_is_shown_as_it_is() -> None:
    msoa = "E02000372"
    table_ = table("msoa", {msoa: [50_000, 60_000]})
    u = _uptake("msoa", msoa, ALL_AGES, Source.ONS, table_)
    assert u.percent_at(1) is not None and u.percent_at(1) > 100  # type: ignore[operator]


@given(
    st.lists(
        st.one_of(st.none(), st.integers(0, 40_000).map(lambda v: v - v % 5)),
        min_size=2,
        max_size=2,
    ),
    st.sampled_from([Source.ONS, Source.NIMS]),
)
def test_uptake_is_the_published_count_over_the_population(
    series: list[int | None], source: Source
) -> None:
    t = table("imd_decile", {"3": series}) if source is Source.ONS else None
    msoa = table("msoa", {"E02000372": series})
    for breakdown, group, tab in (("msoa", "E02000372", msoa), ("imd_decile", "3", t)):
        if tab is None:
            continue
        u = _uptake(breakdown, group, ALL_AGES, source, tab)
        assert isinstance(u.population, Population)
        for d, value in enumerate(series):
            if value is None:
                assert u.percent_at(d) is None and u.reason[d] == SUPPRESSED
            else:
                # One decimal, half up: off by at most 0.05 (exactly 0.05 at a half).
                exact = 100 * value / u.population.value
                assert u.percent_at(d) == pytest.approx(exact, abs=0.05 + 1e-9)
