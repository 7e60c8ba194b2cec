"""Redis going away (even losing its last writes) never costs or doubles a count."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from devtools.localstack import servers
from services.release.counts_reader import CountsReader
from tests.conftest import Stack, Topics, redis_acl
from tests.integration.aggregate_harness import (
    Aggregators,
    FeedPublisher,
    assert_counted_exactly,
    simulation,
    wait_for_progress,
    wait_until_counted,
)

pytestmark = pytest.mark.slow


def test_aggregator_survives_redis_being_killed_and_restarted(
    stack: Stack, topics: Topics, prefix: str, tmp_path: Path
) -> None:
    simulator = simulation(0.02, ("E09000013", "E09000005"))
    records = simulator.records()
    port = servers.free_port()
    server = servers.start_redis(tmp_path / "redis", port=port, acl=redis_acl(stack.secrets))
    url = f"redis://127.0.0.1:{port}/0"
    aggregators = Aggregators(
        stack,
        topics,
        prefix,
        tmp_path,
        VAXSHARE_REDIS_URL=url,
        VAXSHARE_AGGREGATE_BATCH_SIZE="400",
    )
    try:
        process = aggregators.start()
        feed = FeedPublisher(stack, topics.events, records, chunk=len(records)).start()
        reader = CountsReader(stack.redis_client(url=url), prefix=prefix)
        wait_for_progress(reader, beyond=0)
        # SIGKILL: Redis may lose its last second of writes (counts and offsets together).
        os.kill(server.pid, signal.SIGKILL)
        time.sleep(3)
        servers.stop(server.pid)  # reaps it
        server = servers.start_redis(tmp_path / "redis", port=port, acl=redis_acl(stack.secrets))
        published = feed.join()
        reader = CountsReader(stack.redis_client(url=url), prefix=prefix)
        wait_until_counted(stack, topics.events, reader, timeout=90)
        assert process.poll() is None
        metrics = httpx.get(f"http://127.0.0.1:{aggregators.metrics_port(process)}/metrics").text
        # Redis may have lost records already counted; they are counted again, once.
        assert_counted_exactly(reader, simulator, published=published)
    finally:
        aggregators.kill_all()
        servers.stop(server.pid)
    errors = next(
        line for line in metrics.splitlines() if line.startswith("vaxshare_aggregate_redis_errors")
    )
    assert float(errors.split()[-1]) > 0
