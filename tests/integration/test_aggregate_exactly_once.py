"""Aggregator processes on the real Kafka and Redis reach exactly the simulator's counts.

Two `vaxshare aggregate run` processes share a simulated feed of more than 50,000 records
(duplicates, corrections, retractions some before their originals, late arrivals, invalid
records); the counts in Redis must equal the simulator's ground truth in every cell, also
over a feed of more than 100,000 records while processes are killed with SIGKILL at random
points and restarted, and a further process joins the group mid-stream and later leaves it.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import redis

from services.release.counts_reader import CountsReader
from tests.conftest import Stack, Topics
from tests.integration.aggregate_harness import (
    Aggregators,
    FeedPublisher,
    assert_counted_exactly,
    count_to_end,
    kill_and_restart,
    publish,
    simulation,
    wait_until_counted,
)

pytestmark = pytest.mark.slow
FEED_SCALE = 0.07  # of North West London: about 109,000 records
KILLS = 6
JOIN_AT_KILL, LEAVE_AT_KILL = 1, 4  # a third process joins after the 2nd kill, leaves after the 5th


@pytest.fixture
def client(stack: Stack) -> redis.Redis:
    """A Redis client on the test stack."""
    return stack.redis_client()


def test_two_aggregators_count_a_simulated_feed_exactly(
    stack: Stack, topics: Topics, prefix: str, client: redis.Redis, tmp_path: Path
) -> None:
    simulator = simulation(0.035)
    records = simulator.records()
    assert len(records) >= 50_000
    published = publish(stack, topics.events, records)
    aggregators = Aggregators(stack, topics, prefix, tmp_path)
    reader = CountsReader(client, prefix=prefix)
    exits = count_to_end(aggregators, stack, topics.events, reader, processes=2, timeout=75)
    assert exits == [0, 0]  # graceful on SIGTERM
    stats = assert_counted_exactly(reader, simulator, published=published, dead_lettered=True)
    assert stats["duplicates"] > 0 and stats["parked"] > 0 and stats["corrected"] > 0


def test_counts_stay_exact_when_aggregators_are_killed_restarted_and_join_and_leave(
    stack: Stack, topics: Topics, prefix: str, client: redis.Redis, tmp_path: Path
) -> None:
    simulator = simulation(FEED_SCALE)
    records = simulator.records()
    assert len(records) >= 100_000
    rng = random.Random(5)
    aggregators = Aggregators(stack, topics, prefix, tmp_path, VAXSHARE_AGGREGATE_BATCH_SIZE="700")
    reader = CountsReader(client, prefix=prefix)
    progress_at_kills: list[int] = []
    progress_at_join = progress_at_leave = 0
    joiner_counted, joiner_exit = 0.0, None
    try:
        processes = [aggregators.start(), aggregators.start()]
        feed = FeedPublisher(stack, topics.events, records, chunk=6_000).start()
        # Random points spread over the whole feed, not just its start.
        points = sorted(rng.sample(range(len(records) // 20, len(records) * 9 // 10), KILLS))
        for kill, point in enumerate(points):
            progress = kill_and_restart(aggregators, processes, reader, beyond=point, rng=rng)
            progress_at_kills.append(progress)
            if kill == JOIN_AT_KILL:
                joiner = aggregators.start()  # the group rebalances to share with it
                progress_at_join = progress
            if kill == LEAVE_AT_KILL:
                # Leave only once it holds partitions and has counted, so the leave rebalances.
                joiner_counted = aggregators.wait_for_consumed(joiner)
                progress_at_leave = sum(reader.offsets().values())
                joiner_exit = aggregators.stop(joiner)
        published = feed.join()
        wait_until_counted(stack, topics.events, reader, timeout=120)
    finally:
        aggregators.kill_all()
    # The kills, the join and the leave landed while the feed was being counted.
    assert len([p for p in progress_at_kills if 0 < p < len(records)]) >= KILLS - 1
    assert 0 < progress_at_join < progress_at_leave < len(records)
    assert joiner_counted > 0
    assert joiner_exit == 0  # it left gracefully on SIGTERM
    assert_counted_exactly(reader, simulator, published=published)  # each record once
