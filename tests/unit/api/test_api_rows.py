"""Rows carry published values only, with flags and uptake a reader can recompute."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.api.rows import COLUMNS, Row, count_rows, table_rows
from services.disclosure.registry import get_policy
from services.releases.model import PublishedTable

POLICY = get_policy("nhs-digital")


@st.composite
def tables(draw: st.DrawFn) -> PublishedTable:
    groups = draw(st.integers(1, 4))
    days = draw(st.integers(1, 12))
    value = st.one_of(st.none(), st.integers(0, 4000).map(lambda v: v - v % 5))
    new = tuple(tuple(draw(st.lists(value, min_size=days, max_size=days))) for _ in range(groups))
    cumulative = tuple(
        tuple(draw(st.lists(value, min_size=days, max_size=days))) for _ in range(groups)
    )
    population = tuple(
        draw(st.one_of(st.none(), st.integers(0, 20000).map(lambda v: v - v % 5)))
        for _ in range(groups)
    )
    return PublishedTable(
        area="E09000013",
        dose=1,
        breakdown="ethnic_group",
        first_date=date(2021, 1, 4),
        groups=tuple(f"g{i}" for i in range(groups)),
        new=new,
        cumulative=cumulative,
        population=population,
    )


def _rows(table: PublishedTable, start: date | None = None, end: date | None = None) -> list[Row]:
    return list(
        table_rows(table, area_name="H&F", release_id=3, policy=POLICY, start=start, end=end)
    )


@given(tables())
def test_every_cell_becomes_one_row_with_its_published_value(table: PublishedTable) -> None:
    rows = _rows(table)
    assert len(rows) == count_rows(table, None, None) == len(table.groups) * len(table.dates)
    for row in rows:
        g, d = table.groups.index(row.group), (row.date - table.first_date).days
        assert row.new == table.new[g][d] and row.new_suppressed == (row.new is None)
        assert row.cumulative == table.cumulative[g][d]
        assert row.cumulative_suppressed == (row.cumulative is None)
        assert row.population == table.population[g]
        assert list(row.as_dict()) == list(COLUMNS)


@given(tables())
def test_uptake_is_withheld_exactly_where_it_cannot_be_computed(table: PublishedTable) -> None:
    for row in _rows(table):
        if row.cumulative is None or not row.population:
            assert row.uptake_percent is None
        else:
            assert row.uptake_percent is not None
            assert abs(row.uptake_percent - 100 * row.cumulative / row.population) <= 0.05 + 1e-9


@given(tables(), st.integers(-5, 15), st.integers(-5, 15))
def test_date_window_keeps_only_dates_inside_it(table: PublishedTable, a: int, b: int) -> None:
    start, end = table.first_date + timedelta(days=a), table.first_date + timedelta(days=b)
    rows = _rows(table, start, end)
    assert len(rows) == count_rows(table, start, end)
    assert all(start <= r.date <= end for r in rows)
    inside = [d for d in table.dates if start <= d <= end]
    assert {r.date for r in rows} == set(inside)
