"""Create the project's Kafka topics explicitly, idempotently, with the partitions it wants."""

from __future__ import annotations

import contextlib
import time

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from services.platform.errors import TopicError
from services.platform.kafka_auth import KafkaAuth


def ensure_topics(
    bootstrap: str, topics: dict[str, int], *, auth: KafkaAuth, replication: int = 1
) -> list[str]:
    """Create each topic that does not exist yet; return the names that were created."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15000, **auth.kafka_python()
    )
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(name=name, num_partitions=partitions, replication_factor=replication)
            for name, partitions in topics.items()
            if name not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(wanted, timeout_ms=15000)
        described = _partitions(admin, topics)
    except KafkaError as exc:
        raise TopicError(f"could not create topics on {bootstrap}: {exc}") from exc
    finally:
        admin.close()
    for name, partitions in topics.items():
        if described.get(name, 0) < partitions:
            raise TopicError(
                f"topic {name} has {described.get(name, 0)} partitions, expected {partitions}"
            )
    return [t.name for t in wanted]


def _partitions(
    admin: KafkaAdminClient, topics: dict[str, int], *, timeout: float = 10.0
) -> dict[str, int]:
    """Partitions of each topic, once the broker's metadata shows them (new topics lag)."""
    deadline = time.monotonic() + timeout
    while True:
        found = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(list(topics))}
        if all(found.get(name, 0) >= n for name, n in topics.items()):
            return found
        if time.monotonic() > deadline:
            return found
        time.sleep(0.1)
