"""Session fixtures: a real Kafka and a real Redis on free ports, isolated per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools.localstack import servers
from services.platform.kafka_topics import ensure_topics


@dataclass(frozen=True)
class Stack:
    """The session's Kafka and Redis."""

    kafka: servers.Server
    redis: servers.Server
    kafka_controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka.port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis.port}/0"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start Kafka and Redis once for the whole session and stop them at the end."""
    root = tmp_path_factory.mktemp("stack")
    redis = servers.start_redis(root / "redis", port=servers.free_port())
    try:
        controller = servers.free_port()
        kafka = servers.start_kafka(
            root / "kafka", port=servers.free_port(), controller_port=controller
        )
    except BaseException:
        servers.stop(redis.pid)
        raise
    started = Stack(kafka=kafka, redis=redis, kafka_controller_port=controller)
    yield started
    # Tests may restart a server in place (the Stack then holds the new process): stop those.
    for pid in {kafka.pid, redis.pid, started.kafka.pid, started.redis.pid}:
        servers.stop(pid)


@pytest.fixture
def prefix() -> str:
    """A unique name for this test's topics and Redis keys."""
    return f"t{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class Topics:
    """This test's own events and dead-letter topics."""

    events: str
    dlq: str
    partitions: int


@pytest.fixture
def topics(stack: Stack, prefix: str) -> Topics:
    """Create an events topic (4 partitions) and a dead-letter topic private to the test."""
    t = Topics(
        events=f"{prefix}.vaccination-events", dlq=f"{prefix}.vaccination-events.dlq", partitions=4
    )
    ensure_topics(stack.bootstrap, {t.events: t.partitions, t.dlq: 1})
    return t


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave files for people to look at (screenshots, logs)."""
    path = Path(__file__).parent / "artifacts"
    path.mkdir(exist_ok=True)
    return path
