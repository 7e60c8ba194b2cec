"""A release barrier holds the aggregators exactly at the cut, and lifting it lets them go on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.release.counts_reader import CountsReader
from services.release.cut import end_offsets, lift_barrier, raise_barrier
from tests.conftest import Stack, Topics
from tests.integration.aggregate_harness import (
    Aggregators,
    differences,
    publish,
    redis_counts,
    simulation,
    wait_until_counted,
)

pytestmark = pytest.mark.slow


def test_aggregators_stop_at_the_barrier_and_resume_when_it_is_lifted(
    stack: Stack, topics: Topics, prefix: str, tmp_path: Path
) -> None:
    simulator = simulation(0.02, ("E09000013",))
    records = simulator.records()
    half = len(records) // 2
    client = stack.redis_client()
    reader = CountsReader(client, prefix=prefix)
    first = publish(stack, topics.events, records[:half])
    cut = end_offsets(stack.bootstrap, topics.events, stack.kafka_auth("release"))
    raise_barrier(client, prefix=prefix, cut=cut)
    publish(stack, topics.events, records[half:])
    aggregators = Aggregators(stack, topics, prefix, tmp_path, VAXSHARE_AGGREGATE_BATCH_SIZE="300")
    try:
        aggregators.start()
        aggregators.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and reader.offsets() != cut:
            time.sleep(0.1)
        time.sleep(2)  # they would have gone past it by now
        assert reader.offsets() == cut
        assert reader.stats()["consumed"] == first
        lift_barrier(client, prefix=prefix)
        wait_until_counted(stack, topics.events, reader)
    finally:
        aggregators.kill_all()
    assert not differences(redis_counts(reader), dict(simulator.expected_counts().counts))
