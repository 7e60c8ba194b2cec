"""Rows carry published values only, with their uptake, its population and why it is withheld."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.api.rows import COLUMNS, Row, count_rows, table_rows
from services.api.uptake import group_uptake
from services.reference.age_ranges import ADULTS
from services.reference.denominators import Source, load_denominators
from services.releases.model import PublishedTable
from tests.unit.api.uptake_examples import HAMMERSMITH, counts

SEXES = ("FEMALE", "MALE", "NOT_KNOWN")


@st.composite
def tables(draw: st.DrawFn) -> PublishedTable:
    days = draw(st.integers(1, 12))
    value = st.one_of(st.none(), st.integers(0, 100_000).map(lambda v: v - v % 5))
    series = st.lists(value, min_size=days, max_size=days)
    return PublishedTable(
        area=HAMMERSMITH,
        dose=1,
        breakdown="sex",
        first_date=date(2021, 1, 4),
        groups=SEXES,
        new=tuple(tuple(draw(series)) for _ in SEXES),
        cumulative=tuple(tuple(draw(series)) for _ in SEXES),
    )


def _rows(table: PublishedTable, start: date | None = None, end: date | None = None) -> list[Row]:
    width = len(table.dates)
    uptakes = [
        group_uptake(
            counts(table),
            load_denominators(),
            breakdown="sex",
            group=g,
            ltla_codes=(HAMMERSMITH,),
            ages=ADULTS,
            source=Source.ONS,
            width=width,
        )
        for g in table.groups
    ]
    return list(table_rows(table, uptakes, area_name="H&F", release_id=3, start=start, end=end))


@given(tables())
def test_every_cell_becomes_one_row_with_its_published_value(table: PublishedTable) -> None:
    rows = _rows(table)
    assert len(rows) == count_rows(table, None, None) == len(table.groups) * len(table.dates)
    for row in rows:
        g, d = table.groups.index(row.group), (row.date - table.first_date).days
        assert row.new == table.new[g][d] and row.new_suppressed == (row.new is None)
        assert row.cumulative == table.cumulative[g][d]
        assert row.cumulative_suppressed == (row.cumulative is None)
        assert list(row.as_dict()) == list(COLUMNS)


@given(tables())
def test_uptake_is_over_a_named_population_and_withheld_with_a_reason(
    table: PublishedTable,
) -> None:
    for row in _rows(table):
        assert row.population_ages == "16+"
        # Counts by sex are of every age; the age bands are not in this answer.
        assert row.uptake_numerator_ages == "all"
        if row.group == "NOT_KNOWN":
            assert row.population is None and row.uptake_withheld_reason == "not_counted"
        elif row.cumulative is None:
            assert row.uptake_percent is None and row.uptake_withheld_reason == "suppressed"
        else:
            assert row.population_source == "ons" and row.population
            assert row.uptake_numerator == row.cumulative
            assert row.uptake_percent is not None
            assert abs(row.uptake_percent - 100 * row.cumulative / row.population) <= 0.05
            assert row.uptake_above_100 == (row.uptake_percent > 100)


def test_the_first_columns_never_move() -> None:
    assert COLUMNS[:13] == (
        "date",
        "area_code",
        "area_name",
        "dose",
        "breakdown",
        "group",
        "new",
        "new_suppressed",
        "cumulative",
        "cumulative_suppressed",
        "population",
        "uptake_percent",
        "release_id",
    )


@given(tables(), st.integers(-5, 15), st.integers(-5, 15))
def test_date_window_keeps_only_dates_inside_it(table: PublishedTable, a: int, b: int) -> None:
    start, end = table.first_date + timedelta(days=a), table.first_date + timedelta(days=b)
    rows = _rows(table, start, end)
    assert len(rows) == count_rows(table, start, end)
    assert all(start <= r.date <= end for r in rows)
    inside = [d for d in table.dates if start <= d <= end]
    assert {r.date for r in rows} == set(inside)
