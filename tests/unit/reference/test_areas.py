"""The area registry matches the published April 2021 geography of England."""

from __future__ import annotations

from services.reference.areas import load_areas
from services.reference.data_files import read_rows


def test_england_has_309_ltlas_152_utlas_and_9_regions() -> None:
    areas = load_areas()
    assert len(areas.ltlas()) == 309
    assert len(areas.utlas()) == 152
    assert len(areas.regions()) == 9


def test_england_population_is_the_ons_mid_2020_figure() -> None:
    areas = load_areas()
    assert sum(a.population for a in areas.ltlas()) == 56_550_138
    assert sum(a.population for a in areas.utlas()) == 56_550_138
    assert sum(a.population for a in areas.regions()) == 56_550_138


def test_utla_population_is_the_sum_of_its_ltlas() -> None:
    areas = load_areas()
    for utla in areas.utlas():
        ltlas = areas.ltla_codes_in(utla.code)
        assert ltlas, utla.code
        total = 0
        for code in ltlas:
            ltla = areas.ltla(code)
            assert ltla is not None
            total += ltla.population
        assert utla.population == total


def test_lancashire_county_has_twelve_districts() -> None:
    areas = load_areas()
    lancashire = areas.get("E10000017")
    assert lancashire is not None and lancashire.name == "Lancashire"
    assert len(areas.ltla_codes_in("E10000017")) == 12
    assert areas.children("E10000017") == areas.ltla_codes_in("E10000017")
    assert "E07000117" in areas.ltla_codes_in("E10000017")  # Burnley


def test_london_borough_is_its_own_utla_in_the_london_region() -> None:
    areas = load_areas()
    brent = areas.get("E09000005")
    assert brent is not None and brent.name == "Brent"
    assert areas.ltla_codes_in("E09000005") == ("E09000005",)
    assert brent.parent_code == "E12000007"
    assert len(areas.ltla_codes_in("E12000007")) == 33
    assert "E09000005" in areas.children("E12000007")


def test_unknown_code_covers_nothing() -> None:
    areas = load_areas()
    assert areas.get("E99999999") is None
    assert areas.ltla_codes_in("E99999999") == ()
    assert areas.resolve_ltla("E99999999") is None


def test_legacy_codes_resolve_to_current_ltlas() -> None:
    areas = load_areas()
    rows = read_rows("ltla_legacy_codes_to_2021")
    assert len(rows) == 31
    for row in rows:
        assert areas.resolve_ltla(row["legacy_ltla_code"]) == row["ltla_code"]
    assert areas.resolve_ltla("E07000004") == "E06000060"  # Aylesbury Vale -> Buckinghamshire
    assert areas.resolve_ltla("E09000005") == "E09000005"


def test_every_msoa_lies_in_an_existing_ltla_and_every_ltla_has_msoas() -> None:
    areas = load_areas()
    rows = read_rows("msoa11_to_ltla_2021")
    assert len(rows) == 6791
    for row in rows:
        ltla = areas.msoa_ltla(row["msoa11_code"])
        assert ltla is not None and areas.ltla(ltla) is not None
        assert row["msoa11_code"] in areas.msoas_in(ltla)
    for ltla in areas.ltlas():
        assert areas.msoas_in(ltla.code)
    assert areas.msoa_name(rows[0]["msoa11_code"])


def test_registry_is_loaded_once() -> None:
    assert load_areas() is load_areas()
