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
from tests.unit.api.release_examples import HAMMERSMITH, LANCASHIRE, write_release

VACCINATIONS = "/v1/areas/{}/vaccinations"


@pytest.fixture
def api(stack: Stack, prefix: str) -> Iterator[Harness]:
    with running_harness(stack.redis_url, prefix) as harness:
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
        breakdown="ethnic_group_detailed",
        dose="3",
        format="csv",
    )
    assert r.headers["content-type"].startswith("text/csv")
    release = api.releases["second"].id
    assert r.headers["content-disposition"] == (
        f'attachment; filename="vaxshare_{HAMMERSMITH}_hammersmith-and-fulham_'
        f'ethnic_group_detailed_dose-3_release-{release}.csv"'
    )
    header = r.text.splitlines()[0].split(",")
    assert tuple(header) == COLUMNS
    rows = _csv(r.text)
    suppressed = [row for row in rows if row["new_suppressed"] == "true"]
    assert suppressed, "the example release has small daily counts on dose 3"
    assert all(row["new"] == "" for row in suppressed)
    assert all(row["new"] != "" for row in rows if row["new_suppressed"] == "false")


def test_uptake_is_published_cumulative_over_published_population(api: Harness) -> None:
    rows = api.get(
        VACCINATIONS.format(HAMMERSMITH), "hammersmith", breakdown="jcvi_age_band", dose="1"
    ).json()["rows"]
    checked = 0
    for row in rows:
        if row["cumulative"] is None or not row["population"]:
            assert row["uptake_percent"] is None
            continue
        expected = row["cumulative"] * 100 / row["population"]
        assert row["uptake_percent"] == pytest.approx(expected, abs=0.051)
        checked += 1
    assert checked > 100


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
    with running_harness(stack.redis_url, prefix, max_rows=1000) as api:
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
    groups = r.json()["groups"]
    ranked = [g for g in groups if g["rank"] is not None]
    withheld = [g for g in groups if g["rank"] is None]
    assert [g["rank"] for g in ranked] == list(range(1, len(ranked) + 1))
    uptakes = [g["uptake_percent"] for g in ranked]
    assert uptakes == sorted(uptakes)
    for g in ranked:
        assert g["gap_percentage_points"] == pytest.approx(
            g["uptake_percent"] - g["area_uptake_percent"], abs=0.051
        )
    assert groups[len(ranked) :] == withheld
    assert any(g["withheld_reason"] == "no_denominator" for g in withheld)
    headline = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", dose="1").json()["rows"]
    assert ranked[0]["area_uptake_percent"] == headline[-1]["uptake_percent"]


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
    want = f"{api.client.base_url}{path}?dose=1&breakdown=sex&release={second}"
    assert plain.json()["permalink"] == shuffled.json()["permalink"] == want
