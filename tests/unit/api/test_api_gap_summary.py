"""The "who are we missing" ranking: lowest uptake first, gaps against the area, like with like."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.api.age_standardisation import Standardised
from services.api.gap_summary import GroupSummary, summarise
from services.api.uptake import SUPPRESSED, GroupUptake, group_uptake
from services.reference import cohorts
from services.reference.age_ranges import ALL_AGES
from services.reference.areas import load_areas
from services.reference.denominators import Source, load_denominators
from services.releases.model import PublishedTable
from tests.unit.api.uptake_examples import HAMMERSMITH, counts, table

AFRICAN = "Black, Black British, Black Welsh, Caribbean or African: African"
CARIBBEAN = "Black, Black British, Black Welsh, Caribbean or African: Caribbean"
IRISH = "White: Irish"
INDIAN = "Asian, Asian British or Asian Welsh: Indian"
MSOAS = load_areas().msoas_in(HAMMERSMITH)


def _uptakes(t: PublishedTable, source: Source) -> tuple[list[GroupUptake], GroupUptake]:
    headline = table("none", {"all": [0, 92_000]})
    published = counts(t, headline)
    options = {"ltla_codes": (HAMMERSMITH,), "ages": ALL_AGES, "width": 2}
    groups = [
        group_uptake(
            published,
            load_denominators(),
            breakdown=t.breakdown,
            group=g,
            source=source,
            **options,  # type: ignore[arg-type]
        )
        for g in t.groups
    ]
    area = group_uptake(
        published,
        load_denominators(),
        breakdown="none",
        group="all",
        source=Source.CENSUS if source is Source.CENSUS else Source.ONS,
        **options,  # type: ignore[arg-type]
    )
    return groups, area


def _summary(
    t: PublishedTable, source: Source, standardised: dict[str, Standardised] | None = None
) -> list[GroupSummary]:
    uptakes, area = _uptakes(t, source)
    return summarise(
        1,
        t.groups,
        [row[-1] for row in t.cumulative],
        uptakes,
        area,
        last=1,
        date="2021-06-02",
        standardised=standardised,
        area_standardised=Standardised(50.0, None) if standardised else None,
    )


def test_black_african_residents_with_the_lowest_uptake_come_first() -> None:
    t = table(
        "ethnic_group_detailed",
        {
            IRISH: [0, 3000],
            AFRICAN: [0, 5000],
            CARIBBEAN: [0, 3000],
            cohorts.NOT_STATED: [0, 400],
            INDIAN: [0, None],
        },
    )
    result = _summary(t, Source.CENSUS)
    assert [g.group for g in result] == [AFRICAN, CARIBBEAN, IRISH, cohorts.NOT_STATED, INDIAN]
    assert [g.rank for g in result] == [1, 2, 3, None, None]
    first = result[0]
    assert first.uptake_percent is not None and first.area_uptake_percent is not None
    assert first.gap_percentage_points == round(first.uptake_percent - first.area_uptake_percent, 1)
    assert first.population_source == "census" and first.population_ages == "all"
    not_stated = result[3]
    assert not_stated.withheld_reason == "not_counted" and not_stated.cumulative == 400
    assert not_stated.withheld_detail and "Not stated" in not_stated.withheld_detail
    assert result[4].withheld_reason == SUPPRESSED and result[4].cumulative_suppressed
    assert all(g.date == "2021-06-02" for g in result)


def test_with_age_standardised_figures_groups_are_ranked_by_them() -> None:
    t = table("ethnic_group_detailed", {IRISH: [0, 3000], AFRICAN: [0, 5000]})
    standardised = {IRISH: Standardised(40.0, None), AFRICAN: Standardised(60.0, None)}
    result = _summary(t, Source.CENSUS, standardised)
    # African residents' crude uptake is the lower, but their age-standardised one is not.
    assert [g.group for g in result] == [IRISH, AFRICAN]
    assert result[0].age_standardised_gap_percentage_points == -10.0
    assert result[1].uptake_percent is not None and result[0].uptake_percent is not None


@given(
    st.lists(
        st.one_of(st.none(), st.integers(0, 12_000).map(lambda v: v - v % 5)),
        min_size=len(MSOAS),
        max_size=len(MSOAS),
    )
)
def test_ranked_groups_are_ordered_and_gaps_add_up(values: list[int | None]) -> None:
    t = table("msoa", {m: [0, v] for m, v in zip(MSOAS, values, strict=True)})
    result = _summary(t, Source.ONS)
    assert sorted(g.group for g in result) == sorted(t.groups)
    ranked = [g for g in result if g.rank is not None]
    assert [g.rank for g in ranked] == list(range(1, len(ranked) + 1))
    assert result[: len(ranked)] == ranked
    uptakes = [g.uptake_percent for g in ranked]
    assert uptakes == sorted(uptakes)  # type: ignore[type-var]
    for g in ranked:
        assert g.uptake_percent is not None and g.gap_percentage_points is not None
        assert g.area_uptake_percent is not None
        assert abs(g.gap_percentage_points - (g.uptake_percent - g.area_uptake_percent)) < 0.051
        assert g.uptake_above_100 == (g.uptake_percent > 100)
    for g in result[len(ranked) :]:
        assert g.uptake_percent is None and g.withheld_reason == SUPPRESSED
