"""Who sees what: councils their own breakdowns, headlines elsewhere; operators everything."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Stack
from tests.unit.api.api_harness import Harness, running_harness
from tests.unit.api.release_examples import (
    BRENT,
    BURNLEY,
    CHORLEY,
    HAMMERSMITH,
    LANCASHIRE,
    LONDON,
)

VACCINATIONS = "/v1/areas/{}/vaccinations"


@pytest.fixture
def api(stack: Stack, prefix: str) -> Iterator[Harness]:
    with running_harness(stack, prefix) as harness:
        yield harness


def test_council_reads_its_own_ethnic_breakdown(api: Harness) -> None:
    r = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", breakdown="ethnic_group", dose="1")
    assert r.status_code == 200
    body = r.json()
    assert body["release"]["id"] == api.releases["second"].id
    assert {row["group"] for row in body["rows"]} >= {
        "White",
        "Asian, Asian British or Asian Welsh",
    }
    assert r.headers["X-Release-Id"] == str(api.releases["second"].id)


def test_council_sees_neighbours_headlines_but_not_their_breakdowns(api: Harness) -> None:
    headline = api.get(VACCINATIONS.format(BRENT), "hammersmith", breakdown="none", dose="all")
    assert headline.status_code == 200
    assert {row["dose"] for row in headline.json()["rows"]} == {1, 2, 3}
    denied = api.get(VACCINATIONS.format(BRENT), "hammersmith", breakdown="ethnic_group")
    assert denied.status_code == 403
    error = denied.json()["error"]
    assert error["code"] == "forbidden"
    assert "E09000013" in error["message"] and "breakdown=none" in error["message"]
    summary = api.get(f"/v1/areas/{BRENT}/summary", "hammersmith", breakdown="msoa")
    assert summary.status_code == 403


def test_county_council_sees_the_county_and_every_district_in_full(api: Harness) -> None:
    for code in (LANCASHIRE, BURNLEY, CHORLEY):
        r = api.get(VACCINATIONS.format(code), "lancashire", breakdown="msoa", dose="1")
        assert r.status_code == 200, (code, r.text)
        assert r.json()["row_count"] > 0


def test_district_council_does_not_see_the_county_breakdowns(api: Harness) -> None:
    own = api.get(VACCINATIONS.format(BURNLEY), "burnley", breakdown="imd_decile", dose="2")
    assert own.status_code == 200
    county = api.get(VACCINATIONS.format(LANCASHIRE), "burnley", breakdown="imd_decile")
    assert county.status_code == 403
    sibling = api.get(VACCINATIONS.format(CHORLEY), "burnley", breakdown="imd_decile")
    assert sibling.status_code == 403


def test_area_list_tells_each_key_what_it_may_read(api: Harness) -> None:
    r = api.get("/v1/areas", "lancashire")
    access = {a["code"]: a["access"] for a in r.json()["areas"]}
    assert access[LANCASHIRE] == "full" and access[BURNLEY] == "full"
    assert access[HAMMERSMITH] == "headline"
    burnley = api.get(f"/v1/areas/{BURNLEY}", "hammersmith").json()
    assert burnley["parent_codes"] == [LANCASHIRE, "E12000002", "E92000001"]
    assert burnley["access"] == "headline"
    me = api.get("/v1/me", "lancashire").json()
    assert BURNLEY in me["full_access_areas"] and LANCASHIRE in me["full_access_areas"]


def test_drafts_are_for_operators_only(api: Harness) -> None:
    draft = api.releases["draft"].id
    r = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", release=draft)
    assert r.status_code == 403
    assert "operators" in r.json()["error"]["message"]
    assert api.get(f"/v1/releases/{draft}", "hammersmith").status_code == 403
    listed = api.get("/v1/releases", "hammersmith").json()
    assert draft not in [rel["id"] for rel in listed["releases"]]
    op = api.get(VACCINATIONS.format(HAMMERSMITH), "operator", release=draft, breakdown="msoa")
    assert op.status_code == 200
    assert op.json()["release"]["status"] == "draft"


def test_publisher_keys_read_nothing(api: Harness) -> None:
    for path in ("/v1/areas", VACCINATIONS.format(HAMMERSMITH), "/v1/releases"):
        r = api.get(path, "publisher")
        assert r.status_code == 403, path
        assert "publisher" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-key", "Basic dXNlcjpwYXNz", "Bearer vx_0123456789ab_wrong"],
)
def test_missing_or_invalid_keys_get_401(api: Harness, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    r = api.client.get(VACCINATIONS.format(HAMMERSMITH), headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working_at_once(api: Harness) -> None:
    assert api.get("/v1/areas", "brent").status_code == 200
    key_id = api.get("/v1/me", "brent").json()["key_id"]
    revoked = api.post(f"/v1/operator/keys/{key_id}/revoke", "operator")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert api.get("/v1/areas", "brent").status_code == 401


def test_regions_are_headline_only_and_unknown_areas_are_404(api: Harness) -> None:
    ok = api.get(VACCINATIONS.format(LONDON), "operator", breakdown="none", dose="1")
    assert ok.status_code == 200
    r = api.get(VACCINATIONS.format(LONDON), "operator", breakdown="ethnic_group")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "breakdown_not_published_for_area_type"
    missing = api.get(VACCINATIONS.format("E09999999"), "operator")
    assert missing.status_code == 404
    not_built = api.get(VACCINATIONS.format(HAMMERSMITH), "operator", breakdown="jcvi_group")
    assert not_built.status_code == 404
    assert not_built.json()["error"]["code"] == "breakdown_not_in_release"


@pytest.mark.parametrize(
    ("legacy", "successor"),
    [
        ("E07000004", "E06000060"),  # Aylesbury Vale, part of Buckinghamshire since 2020
        ("E06000048", "E06000057"),  # Northumberland, the same place under a new code
    ],
)
def test_a_legacy_area_code_is_answered_with_its_successor(
    api: Harness, legacy: str, successor: str
) -> None:
    # The ingest counts such a code under its successor; the API says where those counts are.
    for path in (f"/v1/areas/{legacy}", VACCINATIONS.format(legacy)):
        for who in ("hammersmith", "operator"):
            answer = api.get(path, who)
            assert answer.status_code == 404, answer.text
            error = answer.json()["error"]
            assert (error["code"], error["successor"]) == ("area_superseded", successor)
            assert successor in error["message"]
    assert api.get(f"/v1/areas/{successor}", "hammersmith").status_code == 200
