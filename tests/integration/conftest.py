"""Fixtures shared by the integration tests."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator

import pytest

from tests.conftest import Stack, Topics
from tests.integration.ingest_harness import Ingest, build_ingest


@pytest.fixture
def ingest(stack: Stack, topics: Topics, prefix: str) -> Iterator[Ingest]:
    """An ingest app wired to the session's Kafka and Redis and this test's topics."""
    built = build_ingest(
        stack,
        prefix=prefix,
        events_topic=topics.events,
        dlq_topic=topics.dlq,
    )
    yield built
    built.close()


@pytest.fixture
def quiet_kafka_client() -> Iterator[None]:
    """Keep the Kafka client's connection errors out of the captured logs.

    kafka-python 3.0 leaves the socket of a refused connection open inside the exception it
    logs; a captured log record would keep it alive until the end of the session, where the
    garbage collector closes it with a ResourceWarning that is the library's, not ours.
    """
    client_log = logging.getLogger("kafka")
    level = client_log.level
    client_log.setLevel(logging.CRITICAL)
    yield
    client_log.setLevel(level)
    gc.collect()
