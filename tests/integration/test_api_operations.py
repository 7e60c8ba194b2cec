"""Operators: release day, keys, dead letters, the audit log; and the API's own limits."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.api import audit_cli
from services.platform.key_store import parse_key_id
from services.platform.redis_keys import RedisKeys
from services.releases.model import Check, PublishedTable, ReleaseStatus
from tests.conftest import Stack
from tests.unit.api.api_harness import DAYS, Harness, running_harness
from tests.unit.api.release_examples import BRENT, HAMMERSMITH, write_release

VACCINATIONS = "/v1/areas/{}/vaccinations"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def api(stack: Stack, prefix: str) -> Iterator[Harness]:
    with running_harness(stack, prefix) as harness:
        yield harness


def test_release_day_publish_a_draft_and_it_becomes_latest(api: Harness) -> None:
    listed = api.get("/v1/operator/releases", "operator").json()
    statuses = {r["id"]: r["status"] for r in listed["releases"]}
    draft = api.releases["draft"].id
    assert statuses[draft] == "draft"
    assert listed["releases"][0]["checks"], "operators see each release's checks"
    assert "suppressed_cells" in listed["releases"][0]["audit"]
    assert api.get("/v1/operator/releases", "hammersmith").status_code == 403
    published = api.post(f"/v1/operator/releases/{draft}/publish", "operator")
    assert published.status_code == 200
    assert published.json()["published_at"]
    assert api.get("/v1/releases", "hammersmith").json()["latest"] == draft
    latest = api.get("/v1/releases/latest", "hammersmith").json()
    assert latest["id"] == draft
    again = api.post(f"/v1/operator/releases/{draft}/publish", "operator")
    assert again.status_code == 409
    hold = api.post(f"/v1/operator/releases/{draft}/hold", "operator", {"reason": "too late"})
    assert hold.status_code == 409 and "immutable" in hold.json()["error"]["message"]


def test_hold_records_the_reason_and_a_reviewed_release_can_then_be_published(
    api: Harness,
) -> None:
    draft = api.releases["draft"].id
    r = api.post(f"/v1/operator/releases/{draft}/hold", "operator", {"reason": "Brent dip"})
    assert r.json()["held_reasons"] == ["Brent dip (by operator test key)"]
    r = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", release=draft)
    assert r.status_code == 403
    assert api.post(f"/v1/operator/releases/{draft}/publish", "operator").status_code == 200
    assert api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", release=draft).is_success
    assert api.post("/v1/operator/releases/999/publish", "operator").status_code == 404


def test_a_release_that_failed_its_disclosure_audit_can_never_be_published(
    api: Harness,
) -> None:
    meta = write_release(api.store, days=10, status=ReleaseStatus.HELD)
    meta.checks = [*meta.checks, Check("disclosure_audit", False, "3 cells pinned down")]
    api.store.save(meta)
    r = api.post(f"/v1/operator/releases/{meta.id}/publish", "operator")
    assert r.status_code == 409 and "disclosure_audit" in r.json()["error"]["message"]
    assert api.get("/v1/releases", "hammersmith").json()["latest"] != meta.id


def _release_cli(api: Harness, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VAXSHARE_REDIS_URL": api.settings.redis_url,
        "VAXSHARE_REDIS_PREFIX": api.prefix,
        **api.operator_env,
    }
    command = [sys.executable, "-m", "services.cli", "release", *args]
    return subprocess.run(
        command, env=env, cwd=REPO, capture_output=True, text=True, check=False, timeout=120
    )


def test_operator_api_refuses_to_take_latest_back_in_time_unless_told_why(api: Harness) -> None:
    latest = api.releases["second"]
    older = write_release(api.store, days=DAYS - 3, status=ReleaseStatus.DRAFT)
    assert older.as_of < latest.as_of and older.id > latest.id
    refused = api.post(f"/v1/operator/releases/{older.id}/publish", "operator")
    assert refused.status_code == 409
    message = refused.json()["error"]["message"]
    assert f"before those of release {latest.id} (to {latest.as_of})" in message
    assert api.get("/v1/releases/latest", "hammersmith").json()["id"] == latest.id
    no_reason = api.post(
        f"/v1/operator/releases/{older.id}/publish", "operator", {"allow_older_data": True}
    )
    assert no_reason.status_code == 422

    on_purpose = api.post(
        f"/v1/operator/releases/{older.id}/publish",
        "operator",
        {"allow_older_data": True, "reason": "June figures withdrawn pending a fix"},
    )
    assert on_purpose.status_code == 200
    rollback = {
        "latest_id": latest.id,
        "latest_as_of": latest.as_of,
        "reason": "June figures withdrawn pending a fix",
        "by": "operator test key",
    }
    assert on_purpose.json()["rollback"] == rollback
    listed = api.get("/v1/releases", "hammersmith").json()
    assert listed["latest"] == older.id
    shown = {r["id"]: r for r in listed["releases"]}
    assert shown[older.id]["as_of"] == older.as_of and shown[older.id]["published_at"]
    assert shown[older.id]["rollback"] == rollback
    assert shown[latest.id]["as_of"] == latest.as_of and shown[latest.id]["rollback"] is None


def test_release_cli_refuses_to_take_latest_back_in_time_and_lists_data_end_and_publication(
    api: Harness,
) -> None:
    latest = api.releases["second"]
    older = write_release(api.store, days=DAYS - 3, status=ReleaseStatus.DRAFT)
    refused = _release_cli(api, "publish", str(older.id))
    assert refused.returncode == 1
    assert f"before those of release {latest.id} (to {latest.as_of})" in refused.stderr
    assert api.store.latest_published() == latest.id
    assert _release_cli(api, "publish", str(older.id), "--allow-older-data").returncode == 2

    done = _release_cli(
        api, "publish", str(older.id), "--allow-older-data", "--reason", "restating March"
    )
    assert done.returncode == 0, done.stderr
    assert api.store.latest_published() == older.id
    rollback = api.store.get(older.id).rollback  # type: ignore[union-attr]
    assert rollback is not None and rollback.reason == "restating March"
    assert rollback.latest_id == latest.id and rollback.by.endswith("command line")

    listing = _release_cli(api, "list")
    assert listing.returncode == 0
    lines = {int(line.split()[0]): line for line in listing.stdout.splitlines()}
    published = api.store.get(older.id).published_at  # type: ignore[union-attr]
    assert (
        f"data to {older.as_of}" in lines[older.id] and f"published {published}" in lines[older.id]
    )
    assert (
        f"published over release {latest.id}, data to {latest.as_of}: restating March"
        in (lines[older.id])
    )
    assert f"data to {latest.as_of}  published {latest.published_at}" in lines[latest.id]
    draft = api.releases["draft"]
    assert f"data to {draft.as_of}  published -" in lines[draft.id]


def test_dead_letter_counts_by_reason_and_by_publisher(api: Harness) -> None:
    keys = RedisKeys(api.prefix)
    api.redis.hset(
        keys.dead_letter_counts,
        mapping={"ingest|invalid_nhs_number": 12, "aggregate|conflicting_duplicate": 3},
    )
    api.redis.hset(
        keys.dead_letter_publishers,
        mapping={
            "ingest|invalid_nhs_number|EMIS Web": 12,
            "aggregate|conflicting_duplicate|TPP SystmOne": 2,
            "aggregate|conflicting_duplicate|EMIS Web": 1,
        },
    )
    body = api.get("/v1/operator/dead-letters", "operator").json()
    assert body["total"] == 15
    assert body["by_reason"][0] == {"stage": "ingest", "reason": "invalid_nhs_number", "count": 12}
    conflicts = [c for c in body["by_publisher"] if c["reason"] == "conflicting_duplicate"]
    assert [(c["publisher"], c["count"]) for c in conflicts] == [
        ("TPP SystmOne", 2),
        ("EMIS Web", 1),
    ]
    emis = api.get("/v1/operator/dead-letters", "operator", publisher="EMIS Web").json()
    assert {(c["reason"], c["count"]) for c in emis["by_publisher"]} == {
        ("invalid_nhs_number", 12),
        ("conflicting_duplicate", 1),
    }


def test_operator_issues_and_revokes_keys_and_the_audit_shows_what_a_key_read(
    api: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    created = api.post(
        "/v1/operator/keys", "operator", {"role": "council", "name": "Leaver", "areas": [BRENT]}
    )
    assert created.status_code == 201
    key, key_id = created.json()["key"], created.json()["principal"]["key_id"]
    api.key["leaver"] = key
    assert key not in api.get("/v1/operator/keys", "operator").text
    api.get(VACCINATIONS.format(BRENT), "leaver", breakdown="msoa", dose="1")
    api.get(VACCINATIONS.format(HAMMERSMITH), "leaver", breakdown="msoa")
    api.post(f"/v1/operator/keys/{key_id}/revoke", "operator")
    assert api.get("/v1/areas", "leaver").status_code == 401

    entries = api.get("/v1/operator/audit", "operator", key_id=key_id).json()["entries"]
    assert [e["outcome"] for e in entries] == ["denied", "served"]
    served = entries[1]
    assert served["area"] == BRENT and served["role"] == "council" and served["name"] == "Leaver"
    assert served["release_id"] == api.releases["second"].id and served["rows"] > 0
    assert "breakdown=msoa" in served["query"]
    assert key not in json.dumps(entries)

    monkeypatch.setenv("VAXSHARE_REDIS_URL", api.settings.redis_url)
    monkeypatch.setenv("VAXSHARE_REDIS_PREFIX", api.prefix)
    for name, value in api.operator_env.items():
        monkeypatch.setenv(name, value)
    assert audit_cli.main(["tail", "--key-id", key_id, "-n", "5"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "denied" in lines[0] and f"area={BRENT}" in lines[1]
    assert audit_cli.main(["tail", "-n", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["key_id"]


def test_concurrent_reads_are_each_audited_before_they_are_answered(api: Harness) -> None:
    key_id = api.key["brent"].split("_")[1]
    queries = [f"dose={1 + i % 3}&from=2021-01-1{i % 10}" for i in range(30)]

    async def read_all() -> list[int]:
        headers = {"Authorization": f"Bearer {api.key['brent']}"}
        async with httpx.AsyncClient(base_url=str(api.client.base_url), timeout=30) as http:
            answers = await asyncio.gather(
                *(http.get(f"{VACCINATIONS.format(BRENT)}?{q}", headers=headers) for q in queries)
            )
        return [a.status_code for a in answers]

    assert asyncio.run(read_all()) == [200] * len(queries)
    entries = api.get("/v1/operator/audit", "operator", key_id=key_id, limit=100).json()["entries"]
    assert sorted(e["query"].partition("?")[2] for e in entries) == sorted(queries)
    assert all(e["outcome"] == "served" and e["rows"] > 0 for e in entries)


def test_invalid_key_requests_are_refused_clearly(api: Harness) -> None:
    bad = api.post("/v1/operator/keys", "operator", {"role": "council", "name": "x", "areas": []})
    assert bad.status_code == 400 and "area" in bad.json()["error"]["message"]
    unknown = api.post(
        "/v1/operator/keys", "operator", {"role": "council", "name": "x", "areas": ["E99999999"]}
    )
    assert unknown.status_code == 400
    assert api.post("/v1/operator/keys/0123456789ab/revoke", "operator").status_code == 404


def test_rate_limit_answers_429_with_retry_after(stack: Stack, prefix: str) -> None:
    with running_harness(stack, prefix, rate_limit_per_minute=5) as api:
        codes = [api.get("/v1/areas/E09000013", "hammersmith").status_code for _ in range(7)]
        assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
        limited = api.get("/v1/areas/E09000013", "hammersmith")
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert "5 requests per minute" in limited.json()["error"]["message"]
        # Another key has its own allowance.
        assert api.get("/v1/areas/E09000013", "brent").status_code == 200
        # Guesses at a key's secret (its id is not secret) do not spend the key's allowance.
        brent_id = api.key["brent"].split("_")[1]
        wrong = {"Authorization": f"Bearer vx_{brent_id}_wrong-secret"}
        assert [api.client.get("/v1/areas", headers=wrong).status_code for _ in range(6)] == [
            401
        ] * 6
        assert api.get("/v1/areas/E09000013", "brent").status_code == 200


def test_the_rate_limit_is_a_sliding_minute_not_a_calendar_one(stack: Stack, prefix: str) -> None:
    now = [datetime(2021, 3, 8, 9, 30, 59, tzinfo=UTC)]
    with running_harness(stack, prefix, clock=lambda: now[0], rate_limit_per_minute=5) as api:
        assert [api.get("/v1/areas", "hammersmith").status_code for _ in range(5)] == [200] * 5
        now[0] += timedelta(seconds=2)  # a new calendar minute, the same sliding one
        limited = api.get("/v1/areas", "hammersmith")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "58"
        now[0] += timedelta(seconds=58)  # a minute after the five
        assert [api.get("/v1/areas", "hammersmith").status_code for _ in range(6)] == [
            *[200] * 5,
            429,
        ]


def test_a_valid_key_is_served_however_often_its_address_and_key_id_failed(
    stack: Stack, prefix: str
) -> None:
    with running_harness(stack, prefix, failed_auth_per_minute=3) as api:
        guess = {"Authorization": "Bearer vx_0123456789ab_guess"}
        codes = [api.client.get("/v1/areas", headers=guess).status_code for _ in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        blocked = api.client.get("/v1/areas", headers=guess)
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers
        # The same address, with a key that matches: served.
        assert api.get("/v1/areas", "hammersmith").status_code == 200
        # Someone guessing at Brent's key id (it is not secret) does not lock Brent out.
        brent_id = api.key["brent"].split("_")[1]
        wrong = {"Authorization": f"Bearer vx_{brent_id}_wrong-secret"}
        codes = [api.client.get("/v1/areas", headers=wrong).status_code for _ in range(4)]
        assert codes[-1] == 429
        assert api.get("/v1/areas", "brent").status_code == 200


def test_x_forwarded_for_is_believed_only_from_trusted_proxies(stack: Stack, prefix: str) -> None:
    def guesses(api: Harness, forwarded: list[str]) -> list[int]:
        return [
            api.client.get(
                "/v1/areas",
                headers={"Authorization": "Bearer not-a-key", "X-Forwarded-For": address},
            ).status_code
            for address in forwarded
        ]

    rotating = [f"198.51.100.{i}" for i in range(5)]
    with running_harness(stack, prefix, failed_auth_per_minute=3) as api:
        # No proxy trusted (the default): a made-up X-Forwarded-For dodges nothing.
        assert guesses(api, rotating) == [401, 401, 401, 429, 429]
    with running_harness(
        stack, f"{prefix}p", failed_auth_per_minute=3, trusted_proxies="127.0.0.1/32"
    ) as api:
        # Behind a trusted proxy each client is counted on its own...
        assert guesses(api, ["203.0.113.5"] * 4) == [401, 401, 401, 429]
        assert guesses(api, ["203.0.113.9"]) == [401]
        # ... by the address the proxy saw: what the client wrote to its left is not believed.
        assert guesses(api, ["10.9.9.9, 203.0.113.5", "1.1.1.1,203.0.113.5"]) == [429, 429]
        assert api.get("/v1/areas", "hammersmith").status_code == 200


def test_csv_cells_that_look_like_formulas_are_neutralised(stack: Stack, prefix: str) -> None:
    with running_harness(stack, prefix, with_releases=False) as api:
        table = PublishedTable(
            area=HAMMERSMITH,
            dose=1,
            breakdown="none",
            first_date=date(2021, 1, 4),
            groups=('=HYPERLINK("http://evil.example","x")',),
            new=((10, None),),
            cumulative=((10, 15),),
        )
        write_release(api.store, days=2, tables=[table])
        path = VACCINATIONS.format(HAMMERSMITH)
        r = api.get(path, "hammersmith", dose="1", format="csv", ages="all")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert rows[0]["group"].startswith("'=HYPERLINK")
        assert rows[1]["new"] == "" and rows[1]["new_suppressed"] == "true"
        # A group the reference data does not know has no population, and says so.
        assert rows[1]["population"] == "" and rows[1]["uptake_percent"] == ""
        assert rows[1]["uptake_withheld_reason"] == "missing_reference_data"


def test_dashboard_health_and_metrics_are_served(
    api: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.api")
    page = api.client.get("/dashboard")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "/dashboard/static/dashboard.js" in page.text
    # Nothing is loaded from outside (the attribution names its source in plain text).
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", page.text, re.I)
    for asset in ("dashboard.js", "dashboard.css"):
        assert api.client.get(f"/dashboard/static/{asset}").status_code == 200
    assert api.client.get("/dashboard/static/..%2Fapp.py").status_code == 404
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ready"}
    api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith")
    metrics = api.client.get("/metrics").text
    assert (
        'vaxshare_http_requests_total{method="GET",route="/v1/areas/{code}/vaccinations",'
        'service="api",status="200"} 1.0' in metrics
    )
    assert f"vaxshare_api_latest_release_id {float(api.releases['second'].id)}" in metrics
    assert "vaxshare_api_rows_served_total" in metrics
    assert "vaxshare_api_release_age_seconds" in metrics
    # Liveness probes are counted, not logged; every other request has its line.
    assert (
        'vaxshare_http_requests_total{method="GET",route="/healthz",service="api",status="200"}'
        in metrics
    )
    lines = [r for r in caplog.records if r.name == "services.api.access"]
    logged = {getattr(r, "route", None) for r in lines}
    assert "/v1/areas/{code}/vaccinations" in logged and "/readyz" in logged
    assert "/healthz" not in logged
    (read,) = [r for r in lines if getattr(r, "route", None) == "/v1/areas/{code}/vaccinations"]
    assert getattr(read, "key_id", None) == parse_key_id(api.key["hammersmith"])
    assert api.key["hammersmith"] not in str(vars(read))
