"""The local stack under `.run/`: start once, know what runs, stop everything.

`.run/stack.json` records each process this machine started for the project (Kafka, Redis
and later the three services) with its pid and port, so `make up` twice starts nothing new
and `make down` stops exactly what was started.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from devtools.localstack import servers
from devtools.localstack.credentials import (
    StackSecrets,
    ensure_redis_certificate,
    ensure_secrets,
)
from devtools.localstack.errors import StackError
from services.platform.errors import PlatformError
from services.platform.kafka_acls import Principals, apply_grants, grants
from services.platform.redis_acls import acl_file

DEFAULT_RUN_DIR = servers.REPO_ROOT / ".run"
KAFKA_PORT = 19092
KAFKA_CONTROLLER_PORT = 19093
REDIS_PORT = 16379
DEFAULT_REDIS_PREFIX = "vaxshare"
AGGREGATE_GROUP = "vaxshare-aggregate"
EVENTS_TOPIC = "vaccination-events"
# The demo's national system, writing straight to Kafka as its own principal.
NATIONAL_PUBLISHER = "national-demo"


@dataclass(frozen=True, slots=True)
class Process:
    """One process of the local stack."""

    name: str
    pid: int
    port: int
    log: str


def _state_file(run_dir: Path) -> Path:
    return run_dir / "stack.json"


def running(run_dir: Path = DEFAULT_RUN_DIR) -> dict[str, Process]:
    """The processes of the stack that are still alive."""
    path = _state_file(run_dir)
    if not path.exists():
        return {}
    entries = json.loads(path.read_text())
    alive = {name: Process(**p) for name, p in entries.items() if servers.is_alive(p["pid"])}
    return alive


def _record(run_dir: Path, processes: dict[str, Process]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    payload = {name: asdict(p) for name, p in processes.items()}
    _state_file(run_dir).write_text(json.dumps(payload, indent=2))


def secrets_dir(run_dir: Path = DEFAULT_RUN_DIR) -> Path:
    """Where the stack's certificates and credentials are (`.run/secrets`)."""
    return run_dir / "secrets"


def redis_prefix() -> str:
    """The key prefix the services use (`VAXSHARE_REDIS_PREFIX`), which Redis's ACLs follow."""
    prefix = os.environ.get("VAXSHARE_REDIS_PREFIX", DEFAULT_REDIS_PREFIX)
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", prefix):
        raise StackError(f"VAXSHARE_REDIS_PREFIX={prefix!r}: 1-64 letters, digits, '_', '.', '-'")
    return prefix


def redis_tls() -> bool:
    """Whether the stack's Redis speaks TLS only (`LOCAL_REDIS_TLS=1`; default: no)."""
    return os.environ.get("LOCAL_REDIS_TLS", "").lower() in ("1", "true", "yes")


def redis_connection(run_dir: Path = DEFAULT_RUN_DIR, port: int = REDIS_PORT) -> dict[str, str]:
    """How the services reach the stack's Redis: URL, CA (with TLS) and key prefix."""
    if not redis_tls():
        env = {"VAXSHARE_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    else:
        env = {
            "VAXSHARE_REDIS_URL": f"rediss://127.0.0.1:{port}/0",
            "VAXSHARE_REDIS_CA_FILE": str(secrets_dir(run_dir) / "ca.pem"),
        }
    return env | {"VAXSHARE_REDIS_PREFIX": redis_prefix()}


def stack_secrets(run_dir: Path = DEFAULT_RUN_DIR) -> StackSecrets:
    """The stack's certificates and credentials, made on first use."""
    return ensure_secrets(secrets_dir(run_dir), connection=redis_connection(run_dir))


def start_redis(run_dir: Path, secrets: StackSecrets, *, port: int = REDIS_PORT) -> Process:
    """Redis with the services' ACL users for `redis_prefix()`, over TLS if `redis_tls()`."""
    tls = None
    if redis_tls():
        cert, key = ensure_redis_certificate(secrets)
        tls = servers.RedisTls(cert=cert, key=key, ca=secrets.ca_file)
    server = servers.start_redis(
        run_dir / "redis",
        port=port,
        acl=acl_file(secrets.redis_passwords, prefix=redis_prefix()),
        tls=tls,
    )
    return Process("redis", server.pid, server.port, str(server.log))


def up(run_dir: Path = DEFAULT_RUN_DIR) -> dict[str, Process]:
    """Start Kafka and Redis unless they already run, secured; return what runs.

    Redis admits only the services' ACL users, on the keys under `VAXSHARE_REDIS_PREFIX`
    (TLS only with `LOCAL_REDIS_TLS=1`); Kafka only SCRAM principals over TLS, each
    granted the ACLs of its role (`kafka_acls.grants`) for the production topic names. The
    prefix and TLS are read when Redis starts: change them between `down` and `up`.
    """
    procs = running(run_dir)
    secrets = stack_secrets(run_dir)
    if "redis" not in procs:
        procs["redis"] = start_redis(run_dir, secrets)
        _record(run_dir, procs)
    if "kafka" not in procs:
        server = servers.start_kafka(
            run_dir / "kafka",
            secrets=secrets,
            port=KAFKA_PORT,
            controller_port=KAFKA_CONTROLLER_PORT,
        )
        procs["kafka"] = Process("kafka", server.pid, server.port, str(server.log))
        _record(run_dir, procs)
        try:
            apply_grants(
                f"127.0.0.1:{KAFKA_PORT}",
                secrets.kafka_auth("admin"),
                grants(
                    events_topic=EVENTS_TOPIC,
                    dlq_topic=f"{EVENTS_TOPIC}.dlq",
                    aggregate_group=AGGREGATE_GROUP,
                    principals=Principals(publishers=(NATIONAL_PUBLISHER,)),
                ),
            )
        except PlatformError as exc:
            raise StackError(str(exc)) from exc
    return procs


def start_service(
    name: str,
    args: list[str],
    *,
    port: int,
    env: dict[str, str],
    run_dir: Path = DEFAULT_RUN_DIR,
    ready_path: str = "/readyz",
    timeout: float = 60.0,
) -> Process:
    """Start a project service (`python -m ...`) in the background and wait for readiness."""
    import httpx

    procs = running(run_dir)
    if name in procs:
        return procs[name]
    log = run_dir / f"{name}.log"
    pid = servers.spawn([sys.executable, *args], log=log, env={**os.environ, **env})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not servers.is_alive(pid):
            raise StackError(f"{name} exited while starting:\n{servers.tail(log)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        servers.stop(pid)
        raise StackError(f"{name} not ready on port {port}:\n{servers.tail(log)}")
    procs[name] = Process(name, pid, port, str(log))
    _record(run_dir, procs)
    return procs[name]


def down(run_dir: Path = DEFAULT_RUN_DIR) -> list[str]:
    """Stop every process of the stack, services first; return their names."""
    procs = running(run_dir)
    order = [n for n in procs if n not in ("kafka", "redis")] + ["kafka", "redis"]
    stopped = []
    for name in order:
        if name in procs:
            servers.stop(procs[name].pid)
            stopped.append(name)
    if _state_file(run_dir).exists():
        _state_file(run_dir).unlink()
    return stopped
