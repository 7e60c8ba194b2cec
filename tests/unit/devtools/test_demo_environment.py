"""`make demo` gives the pseudonymisation key to the ingest only, and each service its own
credentials only."""

from __future__ import annotations

from pathlib import Path

from devtools import demo
from devtools.localstack.credentials import KAFKA_PRINCIPALS, REDIS_USERS, StackSecrets

SECRETS = StackSecrets(
    Path("secrets"),
    {name: f"kafka-{name}" for name in KAFKA_PRINCIPALS},
    {name: f"redis-{name}" for name in REDIS_USERS},
)


def test_only_the_demo_ingest_gets_the_pseudonym_key() -> None:
    common = demo._env()
    assert "VAXSHARE_PSEUDONYM_KEY" not in common
    started = {name: env for name, _, _, env in demo.services(common, "ab" * 32, SECRETS)}
    assert set(started) == {"ingest", "aggregate", "aggregate-2", "api"}
    holders = {name for name, env in started.items() if "VAXSHARE_PSEUDONYM_KEY" in env}
    assert holders == {"ingest"}
    assert started["ingest"]["VAXSHARE_PSEUDONYM_KEY"] == "ab" * 32


def test_each_demo_service_logs_in_as_itself_and_the_api_has_no_kafka_principal() -> None:
    started = {name: env for name, _, _, env in demo.services(demo._env(), "ab" * 32, SECRETS)}
    for name, env in started.items():
        role = name.split("-")[0]
        assert env["VAXSHARE_REDIS_USERNAME"] == role
        assert env["VAXSHARE_REDIS_PASSWORD"] == f"redis-{role}"
        if role == "api":
            assert not any(k.startswith("VAXSHARE_KAFKA_USERNAME") for k in env)
        else:
            assert env["VAXSHARE_KAFKA_PASSWORD"] == f"kafka-{role}"
