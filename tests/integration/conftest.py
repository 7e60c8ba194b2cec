"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Stack, Topics
from tests.integration.ingest_harness import Ingest, build_ingest


@pytest.fixture
def ingest(stack: Stack, topics: Topics, prefix: str) -> Iterator[Ingest]:
    """An ingest app wired to the session's Kafka and Redis and this test's topics."""
    built = build_ingest(
        bootstrap=stack.bootstrap,
        redis_url=stack.redis_url,
        prefix=prefix,
        events_topic=topics.events,
        dlq_topic=topics.dlq,
    )
    yield built
    built.producer.close()
    built.redis.close()
