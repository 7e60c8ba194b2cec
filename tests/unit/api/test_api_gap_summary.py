"""The "who are we missing" ranking: lowest uptake first, gaps against the area's uptake."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from services.api.gap_summary import NO_DENOMINATOR, SUPPRESSED, summarise
from services.disclosure.registry import get_policy
from services.releases.model import PublishedTable

POLICY = get_policy("nhs-digital")


def _table(breakdown: str, groups: list[tuple[str, int | None, int | None]]) -> PublishedTable:
    return PublishedTable(
        area="E09000013",
        dose=1,
        breakdown=breakdown,
        first_date=date(2021, 3, 1),
        groups=tuple(g for g, _, _ in groups),
        new=tuple((0, 0) for _ in groups),
        cumulative=tuple((0, c) for _, c, _ in groups),
        population=tuple(p for _, _, p in groups),
    )


HEADLINE = _table("none", [("all", 500, 1000)])


def test_black_african_residents_with_the_lowest_uptake_come_first() -> None:
    table = _table(
        "ethnic_group_detailed",
        [
            ("White: Irish", 90, 100),
            ("Black: African", 30, 100),
            ("Black: Caribbean", 40, 100),
            ("Not stated", 25, None),
            ("Other", None, 100),
        ],
    )
    result = summarise(HEADLINE, table, POLICY)
    assert [g.group for g in result] == [
        "Black: African",
        "Black: Caribbean",
        "White: Irish",
        "Not stated",
        "Other",
    ]
    assert [g.rank for g in result] == [1, 2, 3, None, None]
    assert result[0].gap_percentage_points == -20.0 and result[0].area_uptake_percent == 50.0
    assert result[3].withheld_reason == NO_DENOMINATOR and result[3].cumulative == 25
    assert result[4].withheld_reason == SUPPRESSED and result[4].cumulative_suppressed
    assert all(g.date == "2021-03-02" for g in result)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 1000)), st.one_of(st.none(), st.integers(1, 1000))
        ),
        min_size=1,
        max_size=12,
    )
)
def test_ranked_groups_are_ordered_and_gaps_add_up(
    cells: list[tuple[int | None, int | None]],
) -> None:
    table = _table("age_band", [(f"g{i}", c, p) for i, (c, p) in enumerate(cells)])
    result = summarise(HEADLINE, table, POLICY)
    assert sorted(g.group for g in result) == sorted(table.groups)
    ranked = [g for g in result if g.rank is not None]
    assert [g.rank for g in ranked] == list(range(1, len(ranked) + 1))
    assert result[: len(ranked)] == ranked
    uptakes = [g.uptake_percent for g in ranked]
    assert uptakes == sorted(uptakes)  # type: ignore[type-var]
    for g in ranked:
        assert g.uptake_percent is not None and g.gap_percentage_points is not None
        assert abs(g.gap_percentage_points - (g.uptake_percent - 50.0)) < 0.051
    for g in result[len(ranked) :]:
        assert g.uptake_percent is None and g.withheld_reason in (SUPPRESSED, NO_DENOMINATOR)
