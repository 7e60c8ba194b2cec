"""The local stack's Redis: TLS when asked, and ACL users that follow the services' key prefix.

Each test starts its own Redis the way `vaxshare stack up` does (`runner.start_redis`), with
the stack's own CA and passwords made in a fresh run directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from devtools.localstack import runner, servers
from devtools.localstack.credentials import StackSecrets
from services.platform.redis_client import connect
from services.platform.redis_keys import RedisKeys
from services.platform.settings import CommonSettings


def _settings(secrets: StackSecrets, service: str, connection: dict[str, str]) -> CommonSettings:
    """A service's settings as its process reads them from the stack's env file."""
    given = {k.removeprefix("VAXSHARE_").lower(): v for k, v in connection.items()}
    return CommonSettings(**{**secrets.service_settings(service), **given})


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[StackSecrets, int]]:
    """Start the stack's Redis (as the environment asks) on a free port; stop it after."""
    secrets = runner.stack_secrets(tmp_path)
    port = servers.free_port()
    process = runner.start_redis(tmp_path, secrets, port=port)
    try:
        yield secrets, port
    finally:
        servers.stop(process.pid)


@pytest.fixture
def with_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_REDIS_TLS", "1")
    monkeypatch.delenv("VAXSHARE_REDIS_PREFIX", raising=False)


@pytest.mark.usefixtures("with_tls")
def test_services_reach_redis_over_tls_and_a_plaintext_client_is_refused(
    tmp_path: Path, started: tuple[StackSecrets, int]
) -> None:
    secrets, port = started
    connection = runner.redis_connection(tmp_path, port)
    assert connection["VAXSHARE_REDIS_URL"].startswith("rediss://")
    service = connect(_settings(secrets, "operator", connection))
    try:
        assert service.set("vaxshare:audit", "over tls")
        assert service.get("vaxshare:audit") == b"over tls"
    finally:
        service.close()

    plaintext = redis.Redis(
        port=port, username="operator", password=secrets.redis_passwords["operator"]
    )
    with pytest.raises(redis.ConnectionError):
        plaintext.ping()
    plaintext.close()

    untrusted = redis.Redis(  # TLS, but checking Redis against the system's CAs only
        port=port,
        ssl=True,
        username="operator",
        password=secrets.redis_passwords["operator"],
    )
    with pytest.raises(redis.ConnectionError):
        untrusted.ping()
    untrusted.close()


@pytest.mark.usefixtures("with_tls")
def test_the_operators_env_file_points_at_the_tls_port_and_the_ca(tmp_path: Path) -> None:
    runner.stack_secrets(tmp_path)
    lines = (runner.secrets_dir(tmp_path) / "operator.env").read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines)
    assert env["VAXSHARE_REDIS_URL"] == f"rediss://127.0.0.1:{runner.REDIS_PORT}/0"
    assert Path(env["VAXSHARE_REDIS_CA_FILE"]).read_text().startswith("-----BEGIN CERTIFICATE")


def test_redis_users_follow_a_non_default_key_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOCAL_REDIS_TLS", raising=False)
    monkeypatch.setenv("VAXSHARE_REDIS_PREFIX", "uptake.test-2")
    secrets = runner.stack_secrets(tmp_path)
    port = servers.free_port()
    process = runner.start_redis(tmp_path, secrets, port=port)
    connection = runner.redis_connection(tmp_path, port)
    assert connection["VAXSHARE_REDIS_PREFIX"] == "uptake.test-2"
    ours, default = RedisKeys("uptake.test-2"), RedisKeys("vaxshare")
    operator = connect(_settings(secrets, "operator", connection))
    api = connect(_settings(secrets, "api", connection))
    try:
        operator.hset(ours.release_tables(1), "E09000013|1|none", "{}")
        assert api.hget(ours.release_tables(1), "E09000013|1|none") == b"{}"
        with pytest.raises(redis.exceptions.NoPermissionError):
            api.hincrby(ours.counts("1", 0, "E09000013", 1, "none"), "2021-03-01|all", 1)
        with pytest.raises(redis.exceptions.NoPermissionError):  # the old prefix is nobody's
            operator.set(default.release_tables(1), "{}")
    finally:
        operator.close()
        api.close()
        servers.stop(process.pid)
