"""Only publisher keys may publish; keys are stored as hashes and managed with `vaxshare keys`."""

from __future__ import annotations

import hashlib

import pytest

from services.access.roles import Role
from services.ingest import keys_cli
from tests.conftest import Stack, Topics
from tests.integration.ingest_harness import Ingest, event_json, read_topic, serve


def test_missing_wrong_revoked_and_other_role_keys_are_refused(
    ingest: Ingest, stack: Stack, topics: Topics
) -> None:
    publisher = ingest.key()
    revoked = ingest.key()
    ingest.key_store.revoke(revoked.split("_")[1])
    council = ingest.key(Role.COUNCIL, "Hammersmith and Fulham public health")
    operator = ingest.key(Role.OPERATOR, "on-call")
    body = [event_json("auth-1")]
    with serve(ingest.app) as client:

        def post(headers: dict[str, str]) -> tuple[int, str | None]:
            answer = client.post("/v1/events", json=body, headers=headers)
            return answer.status_code, answer.json().get("error", {}).get("code")

        assert post({}) == (401, "missing_credentials")
        assert post({"Authorization": publisher}) == (401, "invalid_credentials")
        assert post({"Authorization": f"Bearer {publisher}x"}) == (401, "invalid_credentials")
        assert post({"Authorization": "Bearer vx_000000000000_guess"}) == (
            401,
            "invalid_credentials",
        )
        assert post({"Authorization": f"Bearer {revoked}"}) == (401, "invalid_credentials")
        assert post({"Authorization": f"Bearer {council}"}) == (403, "forbidden")
        assert post({"Authorization": f"Bearer {operator}"}) == (403, "forbidden")
        refused = client.post(
            "/v1/events", json=body, headers={"Authorization": f"Bearer {operator}"}
        )
        assert refused.json()["error"]["message"] == "an operator key cannot publish events"
        fhir = client.post(
            "/fhir/Immunization",
            content=b"{}",
            headers={"Content-Type": "application/fhir+json"},
        )
        assert fhir.status_code == 401 and "Bearer" in fhir.headers["www-authenticate"]
        assert read_topic(stack, topics.events) == []
        assert post({"Authorization": f"Bearer {publisher}"}) == (200, None)


def test_keys_cli_creates_lists_and_revokes_keys_stored_only_as_hashes(
    ingest: Ingest,
    stack: Stack,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VAXSHARE_REDIS_URL", stack.redis_url)
    monkeypatch.setenv("VAXSHARE_REDIS_PREFIX", prefix)
    for name, value in stack.service_env("operator").items():
        monkeypatch.setenv(name, value)

    assert keys_cli.main(["create", "--role", "publisher", "--name", "TPP SystmOne"]) == 0
    printed = capsys.readouterr().out
    key = next(line.split()[-1] for line in printed.splitlines() if line.startswith("key:"))
    key_id = next(line.split()[-1] for line in printed.splitlines() if line.startswith("key id:"))
    assert (
        keys_cli.main(["create", "--role", "council", "--name", "H&F", "--areas", "E09000013"]) == 0
    )
    assert keys_cli.main(["create", "--role", "council", "--name", "nowhere", "--areas", "E0"]) == 1
    assert keys_cli.main(["create", "--role", "council", "--name", "no areas"]) == 1
    capsys.readouterr()

    stored = str(ingest.redis.hgetall(f"{prefix}:keys"))  # every key id and record, as text
    assert key not in stored
    assert key.split("_")[2] not in stored, "not even the secret part is stored"
    assert hashlib.sha256(key.encode()).hexdigest() in stored

    with serve(ingest.app) as client:
        accepted = client.post(
            "/v1/events", json=[event_json("cli-1")], headers={"Authorization": f"Bearer {key}"}
        )
        assert accepted.status_code == 200
        assert keys_cli.main(["list"]) == 0
        listing = capsys.readouterr().out
        assert "TPP SystmOne" in listing and "H&F (E09000013)" in listing and key not in listing
        assert keys_cli.main(["revoke", key_id]) == 0
        refused = client.post(
            "/v1/events", json=[event_json("cli-2")], headers={"Authorization": f"Bearer {key}"}
        )
        assert refused.status_code == 401
    assert keys_cli.main(["revoke", "000000000000"]) == 1
    assert keys_cli.main(["list"]) == 0
    assert "revoked" in capsys.readouterr().out
