"""Poison records end in the dead-letter topic with reasons; a rebuild reproduces the counts."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import redis
from kafka import KafkaConsumer

from services.contract import codec
from services.contract.dead_letter import decode_dead_letter
from services.contract.single_object import HEADER_LENGTH, MAGIC
from services.platform.dead_letters import dead_letter_counts
from services.release.counts_reader import CountsReader
from tests.conftest import Stack, Topics
from tests.integration.aggregate_harness import (
    Aggregators,
    differences,
    listening_addresses,
    publish,
    redis_counts,
    send_raw,
    simulation,
    wait_until_counted,
)

pytestmark = pytest.mark.slow
HAMMERSMITH, BRENT = ("E09000013",), ("E09000005",)


@pytest.fixture
def client(stack: Stack) -> redis.Redis:
    """A Redis client on the test stack."""
    return stack.redis_client()


LAG = "vaxshare_aggregate_consumer_lag_records{"


def read_dead_letters(stack: Stack, topic: str, expected: int) -> list:
    """Every dead letter on the topic (waits until at least ``expected`` arrived)."""
    consumer = KafkaConsumer(
        topic, **stack.kafka_options(), auto_offset_reset="earliest", consumer_timeout_ms=3000
    )
    letters: list = []
    deadline = time.monotonic() + 30
    try:
        while len(letters) < expected and time.monotonic() < deadline:
            letters += [decode_dead_letter(m.value) for m in consumer]
    finally:
        consumer.close()
    return letters


def metrics_once_caught_up(base: str, timeout: float = 10.0) -> str:
    """The aggregator's metrics once it reports no lag (lag is set on its next poll round)."""
    deadline = time.monotonic() + timeout
    while True:
        metrics = httpx.get(f"{base}/metrics").text
        lags = [line for line in metrics.splitlines() if line.startswith(LAG)]
        if lags and all(line.endswith(" 0.0") for line in lags):
            return metrics
        if time.monotonic() > deadline:
            raise AssertionError(f"the aggregator still reports lag after {timeout}s: {lags}")
        time.sleep(0.1)


def test_poison_records_are_dead_lettered_with_reasons_and_counting_carries_on(
    stack: Stack, topics: Topics, prefix: str, client: redis.Redis, tmp_path: Path
) -> None:
    simulator = simulation(0.02, HAMMERSMITH)
    records = simulator.records()
    valid = codec.encode(records[0].event)
    wrong_fingerprint = MAGIC + bytes(8) + valid[HEADER_LENGTH:]
    out_of_range = codec.encode(replace(records[0].event, event_id="poison-1", dose_number=0))
    poison: dict[bytes | None, str] = {
        os.urandom(64): "bad_magic",
        wrong_fingerprint: "unknown_schema",
        valid[:-7]: "undecodable",
        out_of_range: "dose_out_of_range",
        None: "undecodable",
    }
    aggregators = Aggregators(stack, topics, prefix, tmp_path)
    reader = CountsReader(client, prefix=prefix)
    try:
        process = aggregators.start()
        send_raw(stack, topics.events, list(poison))
        publish(stack, topics.events, records)
        wait_until_counted(stack, topics.events, reader)
        assert process.poll() is None  # still running
        port = aggregators.metrics_port(process)
        # Metrics and health are served on the loopback interface only, unless told otherwise.
        assert listening_addresses(port) == {"127.0.0.1"}
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 200
        metrics = metrics_once_caught_up(base)
    finally:
        aggregators.kill_all()
    assert not differences(redis_counts(reader), dict(simulator.expected_counts().counts))
    invalid = [r for r in records if not r.valid]
    letters = read_dead_letters(stack, topics.dlq, len(poison) + len(invalid))
    by_original = {letter.original: letter.reason for letter in letters}
    for original, reason in poison.items():
        assert by_original[original or b""] == reason
    assert all(letter.stage == "aggregate" and letter.topic == topics.events for letter in letters)
    want = Counter(("aggregate", r) for r in poison.values())
    want.update(("aggregate", r.reason) for r in invalid)
    assert dead_letter_counts(client, prefix=prefix) == dict(want)
    assert 'vaxshare_aggregate_dead_letters_total{reason="unknown_schema"} 1.0' in metrics
    assert f'vaxshare_aggregate_events_total{{outcome="dead_lettered"}} {sum(want.values())}.0' in (
        metrics
    )
    assert 'vaxshare_aggregate_consumer_lag_records{partition="0"} 0.0' in metrics


def test_rebuild_reproduces_the_counts_and_live_aggregators_follow_the_switch(
    stack: Stack, topics: Topics, prefix: str, client: redis.Redis, tmp_path: Path
) -> None:
    first, second = simulation(0.02, HAMMERSMITH), simulation(0.01, BRENT, seed=7)
    aggregators = Aggregators(stack, topics, prefix, tmp_path)
    reader = CountsReader(client, prefix=prefix)
    try:
        aggregators.start()
        publish(stack, topics.events, first.records())
        wait_until_counted(stack, topics.events, reader)
        before, stats_before = redis_counts(reader), reader.stats()
        assert reader.generation() == "1"

        rebuild = aggregators.start("rebuild")
        assert rebuild.wait(timeout=60) == 0
        aggregators.running.remove(rebuild)
        assert reader.generation() == "2"
        assert redis_counts(reader) == before
        assert reader.stats()["net_counted"] == stats_before["net_counted"]

        # The live aggregator goes on counting, now into the rebuilt generation.
        publish(stack, topics.events, second.records())
        wait_until_counted(stack, topics.events, reader)
        want = Counter(first.expected_counts().counts)
        want.update(second.expected_counts().counts)
        assert not differences(redis_counts(reader), dict(want))

        # A changed breakdown list is a rebuild too; the old generation can be dropped.
        rebuild = aggregators.start("rebuild", "--breakdowns", "none,sex", "--drop-old")
        assert rebuild.wait(timeout=60) == 0
        aggregators.running.remove(rebuild)
    finally:
        aggregators.kill_all()
    assert reader.generation() == "3"
    subset = {k: n for k, n in want.items() if k[3] in ("none", "sex")}
    assert not differences(redis_counts(reader), subset)
    assert not list(client.scan_iter(match=f"{prefix}:g2:*"))
