"""A throw-away Kafka + Redis (and project services) in a benchmark's work folder.

Everything listens on 127.0.0.1 on free ports, lives under the work folder and is stopped
when the `with` block ends, whatever happened inside it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from devtools.localstack import runner, servers
from services.platform.kafka_topics import ensure_topics

EVENTS_TOPIC = "vaccination-events"
DLQ_TOPIC = "vaccination-events.dlq"
PARTITIONS = 12
PREFIX = "bench"


@dataclass
class BenchStack:
    """A running Kafka and Redis, and the services started on them."""

    workdir: Path
    kafka_port: int
    redis_port: int
    redis_pid: int
    pids: list[int] = field(default_factory=list)
    pseudonym_key: str = field(default_factory=lambda: secrets.token_hex(32))

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def redis(self) -> redis.Redis:
        """A new client of the stack's Redis."""
        return redis.Redis(port=self.redis_port)

    def env(self, **extra: str) -> dict[str, str]:
        """The `VAXSHARE_*` settings every service of the stack needs."""
        return {
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
    redis_server = servers.start_redis(workdir / "redis", port=servers.free_port())
    kafka_server = None
    stack = BenchStack(
        workdir, kafka_port=0, redis_port=redis_server.port, redis_pid=redis_server.pid
    )
    try:
        if kafka:
            kafka_server = servers.start_kafka(
                workdir / "kafka",
                port=servers.free_port(),
                controller_port=servers.free_port(),
            )
            stack.kafka_port = kafka_server.port
            ensure_topics(stack.bootstrap, {EVENTS_TOPIC: PARTITIONS, DLQ_TOPIC: 3})
        yield stack
    finally:
        for pid in reversed(stack.pids):
            servers.stop(pid)
        if kafka_server is not None:
            servers.stop(kafka_server.pid)
        servers.stop(redis_server.pid)
