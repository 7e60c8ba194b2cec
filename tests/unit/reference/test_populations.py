"""Denominators add up the way councils expect."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

from services.reference.areas import load_areas
from services.reference.data_files import read_rows
from services.reference.populations import AGE_BANDS_5Y, load_populations

LTLA_CODES = sorted(a.code for a in load_areas().ltlas())


def test_every_ltla_has_all_19_age_bands_matching_the_published_bands() -> None:
    pops = load_populations()
    published: dict[str, dict[str, int]] = defaultdict(dict)
    for row in read_rows("population_ltla_age5_mid2020"):
        published[row["ltla_code"]][row["age_band"]] = int(row["population"])
    assert len(AGE_BANDS_5Y) == 19
    for code in LTLA_CODES:
        bands = pops.age_bands_5y((code,))
        assert tuple(bands) == AGE_BANDS_5Y
        assert bands == published[code]
        assert sum(bands.values()) == pops.total((code,))


def test_england_totals() -> None:
    pops = load_populations()
    assert pops.total(LTLA_CODES) == 56_550_138
    assert pops.age_bands_5y(LTLA_CODES)["90+"] == 521_067
    assert sum(pops.ethnic_groups(LTLA_CODES).values()) == 56_490_065
    assert pops.ethnic_groups(LTLA_CODES)["White"] == 45_783_379
    assert sum(pops.msoa_populations().values()) == 56_550_138


def test_nineteen_ethnic_groups_sum_to_the_five() -> None:
    pops = load_populations()
    for code in LTLA_CODES:
        five = pops.ethnic_groups((code,))
        nineteen = pops.ethnic_groups((code,), detailed=True)
        assert len(nineteen) == 19
        summed: dict[str, int] = defaultdict(int)
        for group, count in nineteen.items():
            summed[group.split(":")[0]] += count
        assert summed == five


@given(st.lists(st.sampled_from(LTLA_CODES), min_size=1, max_size=5, unique=True), st.data())
def test_any_age_range_is_the_sum_of_its_single_years(
    codes: list[str], data: st.DataObject
) -> None:
    pops = load_populations()
    lo = data.draw(st.integers(0, 90))
    hi = data.draw(st.integers(lo, 90))
    years = pops.single_years(codes)
    assert pops.age_range(codes, lo, hi) == sum(years[lo : hi + 1])
    assert pops.age_range(codes, 0) == pops.total(codes)
    assert pops.age_range(codes, 0, lo - 1) + pops.age_range(codes, lo) == pops.total(codes)
