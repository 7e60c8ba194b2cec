"""An aggregator that finds the stored counts inconsistent stops counting but stays up, alive
and not ready, so neither Docker nor Kubernetes restarts it in a loop; it exits 3 when told to."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from kafka import KafkaProducer

from services.contract import codec
from services.contract.events import EventKind
from services.platform.redis_keys import RedisKeys
from services.release.counts_reader import CountsReader
from tests.conftest import NATIONAL_PUBLISHER, Stack, Topics
from tests.integration.aggregate_harness import Aggregators, wait_until_counted
from tests.unit.aggregate.aggregate_examples import make_event

pytestmark = pytest.mark.slow


def _send(stack: Stack, topic: str, events: list) -> None:
    producer = KafkaProducer(**stack.kafka_options(NATIONAL_PUBLISHER), acks="all")
    try:
        for event in events:
            producer.send(topic, key=event.person_key.encode(), value=codec.encode(event))
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)


def test_an_aggregator_that_finds_inconsistent_counts_halts_alive_and_not_ready(
    stack: Stack, topics: Topics, prefix: str, tmp_path: Path
) -> None:
    client = stack.redis_client()
    reader = CountsReader(client, prefix=prefix)
    aggregators = Aggregators(stack, topics, prefix, tmp_path)
    original = make_event("a1")
    try:
        process = aggregators.start()
        base = f"http://127.0.0.1:{aggregators.metrics_port(process)}"
        # Series an alert reads exist from the start, at 0.
        started = httpx.get(f"{base}/metrics").text
        for outcome in ("dead_lettered", "conflicting_duplicate", "counted"):
            assert f'vaxshare_aggregate_events_total{{outcome="{outcome}"}} 0.0' in started
        assert "vaxshare_aggregate_halted 0.0" in started
        _send(stack, topics.events, [original])
        wait_until_counted(stack, topics.events, reader)
        # The counts lose what a1 added while its state still says it counted there.
        client.delete(*client.scan_iter(match=RedisKeys(prefix).generation("1") + "{s*}:c:*"))

        correction = make_event(
            "c1", kind=EventKind.CORRECTED, supersedes_event_id="a1", age_years=30
        )
        _send(stack, topics.events, [correction])
        deadline = time.monotonic() + 60
        while "vaxshare_aggregate_halted 1.0" not in httpx.get(f"{base}/metrics").text:
            assert process.poll() is None, "the aggregator exited instead of halting"
            assert time.monotonic() < deadline, "the aggregator never halted"
            time.sleep(0.2)
        time.sleep(2)
        assert process.poll() is None
        assert httpx.get(f"{base}/healthz").status_code == 200  # no liveness restart
        assert httpx.get(f"{base}/readyz").status_code == 503
        assert not reader.scan_cell_keys(), "nothing more was counted"
        assert aggregators.stop(process) == 3
    finally:
        aggregators.kill_all()
    log = aggregators.log_of[process.pid].read_text()
    assert '"CRITICAL"' in log and "vaxshare aggregate rebuild" in log
