"""Counts and uptake as councils download them: JSON and CSV agree, releases are reproducible."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace

import pytest

from services.api.rows import COLUMNS
from services.reference.areas import load_areas
from services.releases.model import ReleaseStatus
from tests.conftest import Stack
from tests.unit.api.api_harness import DAYS, Harness, running_harness
from tests.unit.api.release_examples import BRENT, HAMMERSMITH, LANCASHIRE, LONDON, write_release
from tests.unit.reference.reference_files import file_rows, years

VACCINATIONS = "/v1/areas/{}/vaccinations"


@pytest.fixture
def api(stack: Stack, prefix: str) -> Iterator[Harness]:
    with running_harness(stack, prefix) as harness:
        yield harness


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_and_json_hold_the_same_rows(api: Harness) -> None:
    query = {"breakdown": "msoa", "dose": "1"}
    as_json = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", **query).json()
    as_csv = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", format="csv", **query)
    rows = _csv(as_csv.text)
    assert len(rows) == as_json["row_count"] == len(as_json["rows"])
    for j, c in zip(as_json["rows"], rows, strict=True):
        for column in COLUMNS:
            value = j[column]
            if value is None:
                expected = ""
            elif isinstance(value, bool):
                expected = "true" if value else "false"
            else:
                expected = str(value)
            assert c[column] == expected, (column, j, c)


def test_csv_has_stable_columns_a_named_file_and_blank_suppressed_cells(api: Harness) -> None:
    r = api.get(
        VACCINATIONS.format(HAMMERSMITH),
        "hammersmith",
        breakdown="sex",
        dose="3",
        format="csv",
    )
    assert r.headers["content-type"].startswith("text/csv")
    release = api.releases["second"].id
    assert r.headers["content-disposition"] == (
        f'attachment; filename="vaxshare_{HAMMERSMITH}_hammersmith-and-fulham_'
        f'sex_dose-3_release-{release}.csv"'
    )
    header = r.text.splitlines()[0].split(",")
    assert tuple(header) == COLUMNS
    rows = _csv(r.text)
    suppressed = [row for row in rows if row["new_suppressed"] == "true"]
    assert suppressed, "the example release has small daily counts on dose 3"
    assert all(row["new"] == "" for row in suppressed)
    assert all(row["new"] != "" for row in rows if row["new_suppressed"] == "false")


def test_uptake_is_a_published_count_over_its_band_population(api: Harness) -> None:
    rows = api.get(
        VACCINATIONS.format(HAMMERSMITH), "hammersmith", breakdown="jcvi_age_band", dose="1"
    ).json()["rows"]
    checked = 0
    for row in rows:
        if row["group"] == "0-15":
            assert row["uptake_withheld_reason"] == "outside_age_range"
        if row["uptake_numerator"] is None or not row["population"]:
            assert row["uptake_percent"] is None and row["uptake_withheld_reason"]
            continue
        assert row["population_ages"] == row["group"] and row["population_source"] == "ons"
        assert row["uptake_numerator"] == row["cumulative"]
        expected = row["uptake_numerator"] * 100 / row["population"]
        assert row["uptake_percent"] == pytest.approx(expected, abs=0.051)
        checked += 1
    assert checked > 100


def test_headline_uptake_is_over_the_16_plus_population_from_the_age_bands(
    api: Harness,
) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    answer = api.get(path, "hammersmith", dose="1").json()
    assert answer["population"]["ages"] == "16+" and answer["population"]["source"] == "ons"
    ages = api.get(path, "hammersmith", dose="1", breakdown="age_band", ages="all").json()
    by_date: dict[str, list[int | None]] = {}
    under_16: dict[str, int | None] = {}
    for row in ages["rows"]:
        if row["group"] == "0-15":
            under_16[row["date"]] = row["cumulative"]
        else:
            by_date.setdefault(row["date"], []).append(row["cumulative"])
    # The 16+ population recomputed from the shipped file, not through the service.
    adults = sum(
        years(row, 16, None)
        for row in file_rows("population_ltla_sex_single_year_mid2020.csv")
        if row["ltla_code"] == HAMMERSMITH
    )
    shown = 0
    for row in answer["rows"]:
        assert row["population"] == adults == 149_600
        assert row["population_ages"] == "16+" and row["uptake_numerator_ages"] == "16+"
        parts, children = by_date[row["date"]], under_16[row["date"]]
        if None not in parts:
            expected = sum(parts)  # type: ignore[arg-type]
        elif row["cumulative"] is not None and children is not None:
            expected = row["cumulative"] - children  # the total less the published 0-15
        else:
            assert row["uptake_numerator"] is None
            assert row["uptake_withheld_reason"] == "part_suppressed"
            continue
        assert row["uptake_numerator"] == expected
        assert row["uptake_percent"] == pytest.approx(100 * expected / adults, abs=0.051)
        shown += 1
    assert shown > DAYS / 2
    # The same figure over NIMS's register: H&F's 16+ count there is 215,912.
    nims = api.get(path, "hammersmith", dose="1", source="nims").json()
    nims_16 = next(
        int(r["16+"])
        for r in file_rows("nims_ltla_population_20210706.csv")
        if r["ltla_code"] == HAMMERSMITH
    )
    assert {r["population"] for r in nims["rows"]} == {nims_16}
    last = nims["rows"][-1]
    if last["uptake_percent"] is not None:
        assert last["comparison_source"] == "ons" and last["comparison_population"] == adults


def test_ethnic_group_uptake_is_over_the_census_population_of_the_same_ages(
    api: Harness,
) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    rows = api.get(path, "hammersmith", dose="1", breakdown="ethnic_group", ages="50+").json()
    mixed = [r for r in rows["rows"] if r["group"].startswith("Mixed")]
    census = sum(
        int(row[band])
        for row in file_rows("census2021_ltla_ethnic5_sex_age13.csv")
        if row["ltla_code"] == HAMMERSMITH and row["ethnic_group_5"].startswith("Mixed")
        for band in ("50-54", "55-59", "60-64", "65+")
    )
    assert {r["population"] for r in mixed} == {census}
    assert {r["population_source"] for r in mixed} == {"census"}
    not_stated = [r for r in rows["rows"] if r["group"].startswith("Not stated")]
    assert {r["uptake_withheld_reason"] for r in not_stated} == {"not_counted"}


def test_counts_of_every_age_say_how_many_under_16s_were_vaccinated(api: Harness) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    sexes = api.get(path, "hammersmith", dose="1", breakdown="sex").json()
    assert "every age" in sexes["population"]["counts"]
    ages = api.get(path, "hammersmith", dose="1", breakdown="age_band", ages="all").json()
    under_16 = {r["date"]: r["cumulative"] for r in ages["rows"] if r["group"] == "0-15"}
    for row in sexes["rows"]:
        assert row["uptake_numerator_ages"] == "all"
        assert row["vaccinated_outside_ages"] == under_16[row["date"]]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"breakdown": "ethnic_group", "ages": "18+"}, "0-15, 16-24, 25-29"),
        ({"breakdown": "ethnic_group", "source": "nims"}, "its sources are census"),
        ({"breakdown": "sex", "ages": "50+"}, "only given over ages=all, 16+ or 18+"),
        ({"ages": "sixteen"}, "not an age range"),
        ({"ages": "64-50"}, "between its start"),
        ({"source": "nims", "ages": "85+"}, "cannot form ages=85+"),
    ],
)
def test_a_population_that_cannot_be_formed_is_a_400_saying_why(
    api: Harness, query: dict[str, str], fragment: str
) -> None:
    r = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", **query)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "unsupported_population" and fragment in error["message"]


def test_neighbours_headline_is_over_their_16_plus_population(api: Harness) -> None:
    brent = api.get(VACCINATIONS.format(BRENT), "hammersmith", dose="1").json()["rows"]
    assert {r["population"] for r in brent} == {257_339}
    assert any(r["uptake_percent"] is not None for r in brent)
    # A neighbour is read as a headline only: its uptake counts every age, and nothing
    # drawn from its age bands (a breakdown this key may not read) is given.
    assert {r["uptake_numerator_ages"] for r in brent} == {"all"}
    assert {r["vaccinated_outside_ages"] for r in brent} == {None}
    london = api.get(VACCINATIONS.format(LONDON), "hammersmith", dose="1").json()["rows"]
    assert {r["uptake_numerator_ages"] for r in london} == {"all"}
    assert london[-1]["uptake_percent"] is not None


@pytest.mark.parametrize("ages", ["50-54", "65+", "0-15"])
def test_a_neighbours_uptake_by_age_is_refused_as_their_age_bands_are_not_ours(
    api: Harness, ages: str
) -> None:
    r = api.get(VACCINATIONS.format(BRENT), "hammersmith", dose="1", ages=ages)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "unsupported_population" and "only the headline" in error["message"]
    own = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", dose="1", ages=ages)
    assert own.status_code == 200, own.text


def test_county_figures_agree_with_its_districts_up_to_rounding(api: Harness) -> None:
    areas = load_areas()
    districts = areas.ltla_codes_in(LANCASHIRE)
    county = api.get(VACCINATIONS.format(LANCASHIRE), "lancashire", dose="1").json()["rows"]
    by_district = [
        api.get(VACCINATIONS.format(code), "lancashire", dose="1").json()["rows"]
        for code in districts
    ]
    compared = 0
    for i, row in enumerate(county):
        parts = [rows[i]["cumulative"] for rows in by_district]
        assert all(rows[i]["date"] == row["date"] for rows in by_district)
        if row["cumulative"] is None or None in parts:
            continue
        # Each published value is within 2 of the exact one (NHS Digital rounding to 5).
        assert abs(sum(parts) - row["cumulative"]) <= 2 * (len(parts) + 1)
        compared += 1
    assert compared == DAYS


def test_default_is_the_latest_release_and_a_named_release_is_reproducible(
    api: Harness,
) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    first = api.releases["first"].id
    before = api.get(path, "hammersmith", breakdown="ethnic_group", release=first)
    latest = api.get(path, "hammersmith", breakdown="ethnic_group")
    assert latest.json()["release"]["id"] == api.releases["second"].id
    assert latest.json()["permalink"].endswith(f"release={api.releases['second'].id}")
    newer = write_release(api.store, days=DAYS + 14, seed=11)
    after = api.get(path, "hammersmith", breakdown="ethnic_group", release=first)
    assert after.content == before.content
    assert "immutable" in after.headers["cache-control"]
    now_latest = api.get(path, "hammersmith", breakdown="ethnic_group")
    assert now_latest.json()["release"]["id"] == newer.id


def test_etag_lets_a_nightly_pull_skip_unchanged_data(api: Harness) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    first = api.get(path, "hammersmith", breakdown="msoa", format="csv")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    headers = {"Authorization": f"Bearer {api.key['hammersmith']}", "If-None-Match": etag}
    again = api.client.get(path, params={"breakdown": "msoa", "format": "csv"}, headers=headers)
    assert again.status_code == 304 and again.content == b""
    write_release(api.store, days=DAYS + 3, seed=5)
    changed = api.client.get(path, params={"breakdown": "msoa", "format": "csv"}, headers=headers)
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    listing = api.get("/v1/releases", "hammersmith")
    headers["If-None-Match"] = listing.headers["etag"]
    assert api.client.get("/v1/releases", headers=headers).status_code == 304


def test_date_window_narrows_the_rows(api: Harness) -> None:
    r = api.get(
        VACCINATIONS.format(HAMMERSMITH),
        "hammersmith",
        breakdown="ethnic_group",
        dose="1",
        **{"from": "2021-02-01", "to": "2021-02-07"},
    )
    dates = {row["date"] for row in r.json()["rows"]}
    assert dates == {f"2021-02-0{d}" for d in range(1, 8)}
    backwards = api.get(
        VACCINATIONS.format(HAMMERSMITH),
        "hammersmith",
        **{"from": "2021-02-07", "to": "2021-02-01"},
    )
    assert backwards.status_code == 400


def test_limits_are_4xx_naming_the_limit(stack: Stack, prefix: str) -> None:
    with running_harness(stack, prefix, max_rows=1000) as api:
        big = api.get(VACCINATIONS.format(LANCASHIRE), "lancashire", breakdown="msoa")
        assert big.status_code == 400
        error = big.json()["error"]
        assert error["code"] == "row_limit_exceeded" and "1000" in error["message"]
        small = api.get(
            VACCINATIONS.format(LANCASHIRE),
            "lancashire",
            breakdown="msoa",
            dose="1",
            **{"from": "2021-02-01", "to": "2021-02-02"},
        )
        assert small.status_code == 200
        assert 0 < small.json()["row_count"] <= 1000


def test_summary_ranks_groups_by_gap_to_the_borough(api: Harness) -> None:
    r = api.get(
        f"/v1/areas/{HAMMERSMITH}/summary",
        "hammersmith",
        breakdown="ethnic_group_detailed",
        dose="1",
    )
    answer = r.json()
    assert answer["ranked_by"] == "crude" and answer["population"]["ages"] == "16+"
    groups = answer["groups"]
    ranked = [g for g in groups if g["rank"] is not None]
    withheld = [g for g in groups if g["rank"] is None]
    assert [g["rank"] for g in ranked] == list(range(1, len(ranked) + 1))
    uptakes = [g["uptake_percent"] for g in ranked]
    assert uptakes == sorted(uptakes)
    for g in ranked:
        assert g["gap_percentage_points"] == pytest.approx(
            g["uptake_percent"] - g["area_uptake_percent"], abs=0.051
        )
        assert g["population_estimated"] and g["population_source"] == "census"
    assert groups[len(ranked) :] == withheld
    assert any(g["withheld_reason"] == "not_counted" and g["withheld_detail"] for g in withheld)
    # The area's figure beside groups counted at every age is its count of every age over
    # the same (census 16+) population on the same date (the weekly table's last Sunday):
    # like with like.
    path = VACCINATIONS.format(HAMMERSMITH)
    day = {"from": ranked[0]["date"], "to": ranked[0]["date"]}
    assert ranked[0]["date"] < api.releases["second"].last_date
    total = api.get(path, "hammersmith", dose="1", ages="all", **day).json()["rows"][-1]
    census = api.get(path, "hammersmith", dose="1", source="census", **day).json()["rows"][-1]
    expected = 100 * total["cumulative"] / census["population"]
    assert ranked[0]["area_uptake_percent"] == pytest.approx(expected, abs=0.051)


def test_ethnic_groups_are_ranked_by_age_standardised_uptake(api: Harness) -> None:
    path = f"/v1/areas/{HAMMERSMITH}/summary"
    answer = api.get(path, "hammersmith", breakdown="ethnic_group", dose="2").json()
    assert answer["ranked_by"] == "age_standardised" and answer["standard"] == "area"
    assert "own Census 2021 population" in answer["standard_name"]
    ranked = [g for g in answer["groups"] if g["rank"] is not None]
    standardised = [g["age_standardised_uptake_percent"] for g in ranked]
    assert ranked and standardised == sorted(standardised)
    for g in ranked:
        assert g["age_standardised_gap_percentage_points"] == pytest.approx(
            g["age_standardised_uptake_percent"] - g["area_age_standardised_uptake_percent"],
            abs=0.051,
        )
    esp = api.get(path, "hammersmith", breakdown="ethnic_group", dose="2", standard="esp2013")
    assert esp.json()["standard"] == "esp2013"
    as_csv = api.get(path, "hammersmith", breakdown="ethnic_group", dose="2", format="csv")
    header = as_csv.text.splitlines()[0].split(",")
    assert header[:16] == [
        "area_code",
        "area_name",
        "breakdown",
        "dose",
        "rank",
        "group",
        "date",
        "cumulative",
        "cumulative_suppressed",
        "population",
        "uptake_percent",
        "area_uptake_percent",
        "gap_percentage_points",
        "withheld_reason",
        "release_id",
        "label",
    ]
    assert "age_standardised_uptake_percent" in header[16:]


def test_a_draft_read_before_it_is_published_is_not_served_stale_after(api: Harness) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    draft = api.releases["draft"]
    before = api.get(path, "operator", breakdown="sex", release=draft.id)
    assert before.json()["release"]["status"] == "draft"
    api.store.publish(replace(draft, status=ReleaseStatus.PUBLISHED))
    after = api.get(path, "hammersmith", breakdown="sex", release=draft.id)
    assert after.status_code == 200
    assert after.json()["release"]["status"] == "published"


def test_the_permalink_is_one_canonical_query_whatever_the_caller_sent(api: Harness) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    second = api.releases["second"].id
    plain = api.get(path, "hammersmith", dose="1", breakdown="sex")
    shuffled = api.get(path, "hammersmith", breakdown="sex", format="json", dose="1")
    want = (
        f"{api.client.base_url}{path}?dose=1&breakdown=sex&ages=16%2B&source=ons&release={second}"
    )
    assert plain.json()["permalink"] == shuffled.json()["permalink"] == want
