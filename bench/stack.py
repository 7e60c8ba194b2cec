"""A throw-away Kafka + Redis (and project services) in a benchmark's work folder.

Everything listens on 127.0.0.1 on free ports, lives under the work folder and is stopped
when the `with` block ends, whatever happened inside it. The stack is secured as in
production (Kafka SCRAM over TLS with ACLs, Redis ACL users): the services log in as
themselves; the benchmarks' own clients as Kafka's `admin` and a Redis `bench` user that may
also read server statistics (INFO, MEMORY USAGE).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from devtools.localstack import runner, servers
from devtools.localstack.credentials import StackSecrets, ensure_secrets
from services.platform.kafka_acls import Principals, apply_grants, grants
from services.platform.kafka_auth import KafkaAuth
from services.platform.kafka_topics import ensure_topics
from services.platform.redis_acls import acl_file

EVENTS_TOPIC = "vaccination-events"
DLQ_TOPIC = "vaccination-events.dlq"
PARTITIONS = 12
PREFIX = "bench"
BENCH_USER = "bench"
# Which stack identity each service started by a benchmark logs in as.
SERVICE_IDENTITY = {
    "ingest": "ingest",
    "aggregate": "aggregate",
    "api": "api",
    "release": "operator",
}


@dataclass(frozen=True)
class BenchLogin:
    """The secured servers' credentials, and the benchmarks' own Redis user."""

    secrets: StackSecrets
    redis_password: str = field(default_factory=lambda: secrets.token_hex(24))

    @property
    def kafka(self) -> KafkaAuth:
        return self.secrets.kafka_auth("admin")

    def redis_acl(self) -> str:
        digest = hashlib.sha256(self.redis_password.encode()).hexdigest()
        users = acl_file(self.secrets.redis_passwords, prefix="*")
        return users + f"user {BENCH_USER} on #{digest} ~* +@all -flushall -flushdb -debug\n"

    def redis(self, port: int) -> redis.Redis:
        """A client of a bench Redis as the bench user."""
        return redis.Redis(port=port, username=BENCH_USER, password=self.redis_password)


def bench_login(workdir: Path) -> BenchLogin:
    """Certificates and passwords for a benchmark's servers, under its work folder."""
    return BenchLogin(ensure_secrets(workdir / "secrets"))


def grant_bench_topics(bootstrap: str, login: BenchLogin, events: str, dlq: str) -> None:
    """The production ACLs on a benchmark's topics (aggregators: the default group)."""
    table = grants(
        events_topic=events,
        dlq_topic=dlq,
        aggregate_group=runner.AGGREGATE_GROUP,
        principals=Principals(),
    )
    apply_grants(bootstrap, login.kafka, table)


@dataclass
class BenchStack:
    """A running Kafka and Redis, and the services started on them."""

    workdir: Path
    kafka_port: int
    redis_port: int
    redis_pid: int
    login: BenchLogin
    pids: list[int] = field(default_factory=list)
    pseudonym_key: str = field(default_factory=lambda: secrets.token_hex(32))

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def redis(self) -> redis.Redis:
        """A new client of the stack's Redis (the bench user)."""
        return self.login.redis(self.redis_port)

    @property
    def kafka(self) -> KafkaAuth:
        """How the benchmarks' own Kafka clients log in."""
        return self.login.kafka

    def env(self, service: str, **extra: str) -> dict[str, str]:
        """The `VAXSHARE_*` settings of one service of the stack, its credentials included."""
        return {
            **self.login.secrets.service_env(SERVICE_IDENTITY[service]),
            "VAXSHARE_KAFKA_BOOTSTRAP": self.bootstrap,
            "VAXSHARE_REDIS_URL": self.redis_url,
            "VAXSHARE_REDIS_PREFIX": PREFIX,
            "VAXSHARE_EVENTS_TOPIC": EVENTS_TOPIC,
            "VAXSHARE_DLQ_TOPIC": DLQ_TOPIC,
            "VAXSHARE_EVENTS_PARTITIONS": str(PARTITIONS),
            "VAXSHARE_PSEUDONYM_KEY": self.pseudonym_key,
            "VAXSHARE_LOG_LEVEL": "WARNING",
            **extra,
        }

    def start_service(
        self, name: str, args: list[str], *, port: int, env: dict[str, str], ready: str = "/readyz"
    ) -> int:
        """Start `python -m services.cli <args>`, wait until it is ready; return its pid."""
        process = runner.start_service(
            name,
            ["-m", "services.cli", *args],
            port=port,
            env=env,
            run_dir=self.workdir,
            ready_path=ready,
            timeout=90,
        )
        self.pids.append(process.pid)
        return process.pid

    def stop_service(self, pid: int) -> None:
        """Stop one service started by `start_service`."""
        servers.stop(pid)
        if pid in self.pids:
            self.pids.remove(pid)


@contextmanager
def running_stack(workdir: Path, *, kafka: bool = True) -> Iterator[BenchStack]:
    """Start Redis (and Kafka with the events and dead-letter topics); stop all on exit."""
    login = bench_login(workdir)
    redis_server = servers.start_redis(
        workdir / "redis", port=servers.free_port(), acl=login.redis_acl()
    )
    kafka_server = None
    stack = BenchStack(
        workdir,
        kafka_port=0,
        redis_port=redis_server.port,
        redis_pid=redis_server.pid,
        login=login,
    )
    try:
        if kafka:
            kafka_server = servers.start_kafka(
                workdir / "kafka",
                secrets=login.secrets,
                port=servers.free_port(),
                controller_port=servers.free_port(),
            )
            stack.kafka_port = kafka_server.port
            grant_bench_topics(stack.bootstrap, login, EVENTS_TOPIC, DLQ_TOPIC)
            ensure_topics(
                stack.bootstrap, {EVENTS_TOPIC: PARTITIONS, DLQ_TOPIC: 3}, auth=login.kafka
            )
        yield stack
    finally:
        for pid in reversed(stack.pids):
            servers.stop(pid)
        if kafka_server is not None:
            servers.stop(kafka_server.pid)
        servers.stop(redis_server.pid)
