"""A question asked again is answered from the kept answer as the route answered it, and
still counted against the key's limit, audited, and refused once the key is revoked."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Stack
from tests.unit.api.api_harness import DAYS, Harness, running_harness
from tests.unit.api.release_examples import BRENT, HAMMERSMITH, write_release

PATH = f"/v1/areas/{HAMMERSMITH}/vaccinations"
QUERY = {"breakdown": "ethnic_group", "dose": "1"}
PER_REQUEST = {"date", "x-request-id"}


@pytest.fixture
def api(stack: Stack, prefix: str) -> Iterator[Harness]:
    with running_harness(stack, prefix, rate_limit_per_minute=6) as harness:
        yield harness


def _read(api: Harness, who: str, **extra: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.key[who]}", "Accept-Encoding": "identity"}
    return api.client.get(PATH, params={**QUERY, **extra}, headers=headers)


def _audited(api: Harness, who: str) -> list[dict[str, object]]:
    key_id = api.key[who].split("_")[1]
    found = api.get("/v1/operator/audit", "operator", key_id=key_id, limit=100)
    entries: list[dict[str, object]] = found.json()["entries"]
    return entries


def test_a_repeated_read_is_the_same_answer_and_each_is_audited(api: Harness) -> None:
    answers = [_read(api, "hammersmith", format=f) for f in ("json", "csv", "json", "csv")]
    assert [a.status_code for a in answers] == [200] * 4
    for first, again in ((answers[0], answers[2]), (answers[1], answers[3])):
        assert again.content == first.content
        same = {k: v for k, v in first.headers.items() if k not in PER_REQUEST}
        assert {k: v for k, v in again.headers.items() if k not in PER_REQUEST} == same
        assert again.headers["x-request-id"] != first.headers["x-request-id"]
    entries = _audited(api, "hammersmith")
    assert len(entries) == 4 and all(e["outcome"] == "served" for e in entries)
    assert all(e["rows"] and "breakdown=ethnic_group" in str(e["query"]) for e in entries)
    assert {e["release_id"] for e in entries} == {api.releases["second"].id}


def test_repeated_reads_spend_the_keys_allowance(api: Harness) -> None:
    codes = [_read(api, "hammersmith").status_code for _ in range(8)]
    assert codes == [200] * 6 + [429] * 2
    limited = _read(api, "hammersmith")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert len(_audited(api, "hammersmith")) == 6  # refused reads are not served or audited
    brent = api.get(f"/v1/areas/{BRENT}/vaccinations", "brent", **QUERY)
    assert brent.status_code == 200  # another key has its own allowance


def test_a_revoked_key_is_refused_on_its_next_repeated_read(api: Harness) -> None:
    assert [_read(api, "hammersmith").status_code for _ in range(3)] == [200] * 3
    key_id = api.key["hammersmith"].split("_")[1]
    assert api.post(f"/v1/operator/keys/{key_id}/revoke", "operator").status_code == 200
    refused = _read(api, "hammersmith")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"


def test_a_new_release_is_answered_at_once_to_a_repeated_read(api: Harness) -> None:
    before = [_read(api, "hammersmith") for _ in range(2)]
    newer = write_release(api.store, days=DAYS + 5, seed=3)
    after = _read(api, "hammersmith")
    assert before[1].json()["release"]["id"] == api.releases["second"].id
    assert after.json()["release"]["id"] == newer.id
    assert after.headers["etag"] != before[1].headers["etag"]
