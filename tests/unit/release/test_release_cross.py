"""The age band × ethnic group cross is published on census bands, linked to its margins."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from services.disclosure.registry import get_policy
from services.reference import cohorts
from services.reference.age_ranges import AgeRange, band
from services.reference.areas import load_areas
from services.release.tables import CROSS_ROWS, build_tables, date_range

BREAKDOWNS = ("none", "age_band", "ethnic_group", "age_band_ethnic_group")
HAMMERSMITH = "E09000013"
DATES = date_range(date(2021, 3, 1), date(2021, 3, 10))
GROUPS = (*cohorts.ETHNIC_GROUPS_5, cohorts.NOT_STATED)


def _cells() -> dict[tuple[str, int, str], dict[tuple[date, str], int]]:
    """Exact counts of one borough, large enough that nothing is suppressed."""
    cells: defaultdict[tuple[str, int, str], dict[tuple[date, str], int]] = defaultdict(dict)
    for d, day in enumerate(DATES):
        for a, age_band in enumerate(cohorts.AGE_BANDS):
            row = cohorts.AGE_TO_CROSS_BAND[band(age_band).lo]
            for e, group in enumerate(GROUPS):
                n = 40 + 3 * a + 7 * e + d
                for breakdown, label in (
                    ("none", "all"),
                    ("age_band", age_band),
                    ("ethnic_group", group),
                    ("age_band_ethnic_group", f"{row}|{group}"),
                ):
                    table = cells[(HAMMERSMITH, 1, breakdown)]
                    table[(day, label)] = table.get((day, label), 0) + n
    return cells


def test_the_cross_is_published_on_census_bands_and_its_row_margin_is_not() -> None:
    out = build_tables(
        _cells(),
        areas=load_areas(),
        breakdowns=BREAKDOWNS,
        policy=get_policy("nhs-digital"),
        dates=DATES,
        doses=(1,),
    )
    assert out.failing_families == []
    tables = {t.breakdown: t for t in out.tables if t.area == HAMMERSMITH}
    assert set(tables) == set(BREAKDOWNS)
    assert all(b != CROSS_ROWS for (_, _, b) in out.exact)
    cross, ages = tables["age_band_ethnic_group"], tables["age_band"]
    rows = {g.partition("|")[0] for g in cross.groups}
    assert rows == {row for row, _, _ in cohorts.CROSS_AGE_BANDS}
    # A reader who adds a cross row's cells gets its age bands' count, within rounding.
    for row, lo, hi in cohorts.CROSS_AGE_BANDS:
        in_row = AgeRange(lo, hi)
        by_age = [
            c[-1]
            for g, c in zip(ages.groups, ages.cumulative, strict=True)
            if in_row.contains(band(g))
        ]
        by_cross = [
            c[-1]
            for g, c in zip(cross.groups, cross.cumulative, strict=True)
            if g.partition("|")[0] == row
        ]
        assert None not in by_age and None not in by_cross
        slack = 2 * (len(by_age) + len(by_cross))
        assert abs(sum(by_age) - sum(by_cross)) <= slack, row  # type: ignore[arg-type]
