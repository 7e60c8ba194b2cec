"""The shipped population tables add up the way their publishers say they do."""

from __future__ import annotations

from collections import defaultdict

from services.reference import cohorts
from services.reference.age_ranges import ALL_AGES, AgeRange
from services.reference.areas import load_areas
from services.reference.data_files import read_rows
from services.reference.population_tables import load_population_tables

LTLA_CODES = sorted(a.code for a in load_areas().ltlas())
FIVE_YEAR = [AgeRange(lo, lo + 4) for lo in range(0, 90, 5)] + [AgeRange(90, None)]


def test_single_years_summed_to_five_year_bands_equal_the_published_bands() -> None:
    ons = load_population_tables().ons_sex
    published: dict[str, dict[str, int]] = defaultdict(dict)
    for row in read_rows("population_ltla_age5_mid2020"):
        published[row["ltla_code"]][row["age_band"]] = int(row["population"])
    for code in LTLA_CODES:
        keys = [(code, "F"), (code, "M")]
        bands = {ages.label: ons.sum(keys, ages) for ages in FIVE_YEAR}
        assert bands == published[code]
        assert sum(bands.values()) == load_areas().get(code).population  # type: ignore[union-attr]


def test_england_totals() -> None:
    tables = load_population_tables()
    persons = [(code, sex) for code in LTLA_CODES for sex in "FM"]
    assert tables.ons_sex.sum(persons, ALL_AGES) == 56_550_138
    assert tables.ons_sex.sum(persons, AgeRange(90, None)) == 521_067
    assert tables.ons_msoa.sum(tables.msoa_ltla, ALL_AGES) == 56_550_138
    deciles = [(code, d) for code in LTLA_CODES for d in cohorts.IMD_DECILES]
    assert tables.ons_imd.sum(deciles, ALL_AGES) == 56_550_138
    detailed = [n for groups in tables.census_detailed.values() for n in groups.values()]
    assert sum(detailed) == 56_490_065
    white = sum(
        n
        for groups in tables.census_detailed.values()
        for group, n in groups.items()
        if group.startswith("White:")
    )
    assert white == 45_783_379


def test_every_ltla_is_in_every_table() -> None:
    tables = load_population_tables()
    for code in LTLA_CODES:
        assert tables.ons_sex.has((code, "F")) and tables.ons_sex.has((code, "M"))
        assert tables.nims.has(code)
        assert all(tables.census.has((code, g, "F")) for g in cohorts.ETHNIC_GROUPS_5)
        assert len(tables.census_detailed[code]) == 19
    assert set(tables.msoa_ltla) == {m for code in LTLA_CODES for m in load_areas().msoas_in(code)}
