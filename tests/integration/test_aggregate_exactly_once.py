"""Aggregator processes on the real Kafka and Redis reach exactly the simulator's counts.

Two `vaxshare aggregate run` processes share a simulated feed of more than 50,000 records
(duplicates, corrections, retractions some before their originals, late arrivals, invalid
records); the counts in Redis must equal the simulator's ground truth in every cell, also
when the processes are killed with SIGKILL at random points and restarted.
"""

from __future__ import annotations

import functools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import pytest
import redis
from kafka import KafkaProducer

from services.aggregate.counts_query import CountsReader
from services.aggregate.release_cut import end_offsets
from services.contract import codec
from services.contract.errors import CodecError
from services.ingest.simulator import NW_LONDON, SimulatedRecord, SimulationConfig, Simulator
from tests.conftest import Stack, Topics

pytestmark = pytest.mark.slow
CellKey = tuple[str, date, int, str, str]
REPO = Path(__file__).resolve().parents[2]
KILLS = 6


@functools.cache
def simulation(scale: float, areas: tuple[str, ...] = NW_LONDON, seed: int = 2021) -> Simulator:
    """A simulated direct-to-Kafka feed (person keys, no NHS numbers), computed once."""
    config = SimulationConfig(areas=areas, scale=scale, seed=seed, with_nhs_numbers=False)
    simulator = Simulator(config)
    simulator.records()
    return simulator


def publish(bootstrap: str, topic: str, records: Iterable[SimulatedRecord]) -> int:
    """Publish records as a direct Kafka publisher would; returns how many were sent."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=512 * 1024
    )
    sent = 0
    try:
        for record in records:
            try:
                value = codec.encode(record.event)
            except CodecError:
                continue  # a fault the schema itself cannot carry never reaches the topic
            producer.send(topic, key=record.event.person_key.encode(), value=value)
            sent += 1
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)
    return sent


def send_raw(bootstrap: str, topic: str, values: Sequence[bytes | None]) -> None:
    """Write values straight to the topic, bypassing every check."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for value in values:
            producer.send(topic, key=b"poison", value=value)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)


class Aggregators:
    """`vaxshare aggregate` processes started for one test, stopped at its end."""

    def __init__(self, stack: Stack, topics: Topics, prefix: str, logs: Path, **env: str) -> None:
        self.env = {
            **os.environ,
            "VAXSHARE_KAFKA_BOOTSTRAP": stack.bootstrap,
            "VAXSHARE_REDIS_URL": stack.redis_url,
            "VAXSHARE_REDIS_PREFIX": prefix,
            "VAXSHARE_EVENTS_TOPIC": topics.events,
            "VAXSHARE_DLQ_TOPIC": topics.dlq,
            "VAXSHARE_AGGREGATE_GROUP_ID": f"{prefix}-aggregate",
            "VAXSHARE_AGGREGATE_METRICS_PORT": "0",
            "VAXSHARE_AGGREGATE_EVENT_BUCKETS": "4096",
            "VAXSHARE_AGGREGATE_SESSION_TIMEOUT_MS": "6000",
            **env,
        }
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []
        self.started = 0
        self.log_of: dict[int, Path] = {}

    def start(self, command: str = "run", *args: str) -> subprocess.Popen[bytes]:
        """Start one process (`run` by default)."""
        self.started += 1
        path = self.logs / f"aggregate-{self.started}.log"
        with path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "aggregate", command, *args],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.running.append(process)
        self.log_of[process.pid] = path
        return process

    def metrics_port(self, process: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
        """The port a process serves /metrics and health on (from its JSON log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_of[process.pid].read_text().splitlines():
                if '"metrics_port"' in line:
                    return int(json.loads(line)["metrics_port"])
            time.sleep(0.1)
        raise AssertionError("the aggregator never logged its metrics port")

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL a process: no batch finished, nothing flushed."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        self.running.remove(process)

    def stop_all(self) -> list[int]:
        """SIGTERM every process and return their exit codes."""
        for process in self.running:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in self.running]
        self.running = []
        return codes

    def kill_all(self) -> None:
        """SIGKILL whatever still runs (test clean-up)."""
        for process in self.running:
            process.kill()
            process.wait(timeout=10)
        self.running = []


def wait_until_counted(
    stack: Stack, topic: str, reader: CountsReader, *, timeout: float = 60.0
) -> None:
    """Wait until Redis's offsets reach the end of every partition of the topic."""
    ends = end_offsets(stack.bootstrap, topic)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reached = reader.offsets()
        if all(reached.get(p, 0) >= end for p, end in ends.items() if end):
            return
        time.sleep(0.2)
    raise AssertionError(f"not counted to the end in {timeout}s: {reader.offsets()} < {ends}")


def wait_for_progress(reader: CountsReader, *, beyond: int, timeout: float = 30.0) -> int:
    """Wait until more records are counted than ``beyond``; returns how many are."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = sum(reader.offsets().values())
        if progress > beyond:
            return progress
        time.sleep(0.05)
    return beyond


def redis_counts(reader: CountsReader) -> dict[CellKey, int]:
    """Every exact cell of the active generation, keyed like the simulator's expected counts."""
    counts: dict[CellKey, int] = {}
    for (ltla, dose, breakdown), table in reader.tables(reader.scan_cell_keys()).items():
        for (day, group), n in table.items():
            counts[(ltla, day, dose, breakdown, group)] = n
    return counts


def differences(got: dict[CellKey, int], want: dict[CellKey, int]) -> list[str]:
    """Human-readable cell differences (the first few)."""
    keys = sorted(k for k in set(got) | set(want) if got.get(k, 0) != want.get(k, 0))
    return [f"{k}: got {got.get(k, 0)}, expected {want.get(k, 0)}" for k in keys[:10]]


@pytest.fixture
def client(stack: Stack) -> redis.Redis:
    """A Redis client on the test stack."""
    return redis.Redis.from_url(stack.redis_url)


def test_two_aggregators_count_a_simulated_feed_exactly(
    stack: Stack, topics: Topics, prefix: str, client: redis.Redis, tmp_path: Path
) -> None:
    simulator = simulation(0.035)
    records = simulator.records()
    assert len(records) >= 50_000
    published = publish(stack.bootstrap, topics.events, records)
    aggregators = Aggregators(stack, topics, prefix, tmp_path)
    try:
        aggregators.start()
        aggregators.start()
        reader = CountsReader(client, prefix=prefix)
        wait_until_counted(stack, topics.events, reader, timeout=75)
        assert aggregators.stop_all() == [0, 0]  # graceful on SIGTERM
    finally:
        aggregators.kill_all()
    want = dict(simulator.expected_counts().counts)
    got = redis_counts(reader)
    assert not differences(got, want)
    stats = reader.stats()
    assert stats["consumed"] == published
    assert stats["net_counted"] == len(simulator.truth())
    invalid = Counter(f"aggregate|{r.reason}" for r in records if not r.valid)
    dead = {k.decode(): int(v) for k, v in client.hgetall(f"{prefix}:dlq:counts").items()}
    assert dead == dict(invalid)
    assert stats["duplicates"] > 0 and stats["parked"] > 0 and stats["corrected"] > 0


def test_counts_stay_exact_when_aggregators_are_killed_and_restarted(
    stack: Stack, topics: Topics, prefix: str, client: redis.Redis, tmp_path: Path
) -> None:
    simulator = simulation(0.035)
    records = simulator.records()
    rng = random.Random(5)
    aggregators = Aggregators(stack, topics, prefix, tmp_path, VAXSHARE_AGGREGATE_BATCH_SIZE="700")
    reader = CountsReader(client, prefix=prefix)
    published: list[int] = []
    progress_at_kills: list[int] = []
    try:
        processes = [aggregators.start(), aggregators.start()]
        chunks = [records[i : i + 6_000] for i in range(0, len(records), 6_000)]
        publisher = threading.Thread(
            target=lambda: published.extend(
                publish(stack.bootstrap, topics.events, c) for c in chunks
            )
        )
        publisher.start()
        progress = 0
        for _ in range(KILLS):
            progress = wait_for_progress(reader, beyond=progress)
            time.sleep(rng.uniform(0.0, 0.8))  # then anywhere in a batch, or between two
            victim = processes.pop(rng.randrange(len(processes)))
            aggregators.kill(victim)
            progress = sum(reader.offsets().values())
            progress_at_kills.append(progress)
            processes.append(aggregators.start())
        publisher.join()
        wait_until_counted(stack, topics.events, reader, timeout=80)
    finally:
        aggregators.kill_all()
    # The kills landed while the feed was being counted, not before or after it.
    assert len([p for p in progress_at_kills if 0 < p < len(records)]) >= KILLS // 2
    want = dict(simulator.expected_counts().counts)
    assert not differences(redis_counts(reader), want)
    stats = reader.stats()
    assert stats["net_counted"] == len(simulator.truth())
    assert stats["consumed"] == sum(published)  # each record taken in exactly once
