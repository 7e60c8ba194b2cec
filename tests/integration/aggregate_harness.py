"""What the aggregator integration tests share: the simulated feed, processes and read-back."""

from __future__ import annotations

import functools
import ipaddress
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

import httpx
from kafka import KafkaProducer

from devtools.simulator.simulator import NW_LONDON, SimulatedRecord, SimulationConfig, Simulator
from services.contract import codec
from services.contract.errors import CodecError
from services.platform.dead_letters import dead_letter_counts
from services.release.counts_reader import CountsReader
from services.release.cut import end_offsets
from tests.conftest import NATIONAL_PUBLISHER, Servers, Topics

CellKey = tuple[str, date, int, str, str]
REPO = Path(__file__).resolve().parents[2]


@functools.cache
def simulation(scale: float, areas: tuple[str, ...] = NW_LONDON, seed: int = 2021) -> Simulator:
    """A simulated direct-to-Kafka feed (person keys, no NHS numbers), computed once."""
    config = SimulationConfig(areas=areas, scale=scale, seed=seed, with_nhs_numbers=False)
    simulator = Simulator(config)
    simulator.records()
    return simulator


def _national_producer(servers: Servers, **options: int) -> KafkaProducer:
    """A producer logged in as the national publishing system's principal."""
    return KafkaProducer(
        bootstrap_servers=servers.bootstrap,
        acks="all",
        **servers.secrets.kafka_auth(NATIONAL_PUBLISHER).kafka_python(),
        **options,
    )


def publish(servers: Servers, topic: str, records: Iterable[SimulatedRecord]) -> int:
    """Publish records as a direct Kafka publisher would; returns how many were sent."""
    producer = _national_producer(servers, linger_ms=20, batch_size=512 * 1024)
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


def send_raw(servers: Servers, topic: str, values: Sequence[bytes | None]) -> None:
    """Write values straight to the topic, bypassing every check."""
    producer = _national_producer(servers)
    try:
        for value in values:
            producer.send(topic, key=b"poison", value=value)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)


class FeedPublisher:
    """A feed arriving while the aggregators count: records published in chunks on a thread."""

    def __init__(
        self, servers: Servers, topic: str, records: Sequence[SimulatedRecord], *, chunk: int
    ) -> None:
        self.sent: list[int] = []  # records published, per chunk
        chunks = [records[i : i + chunk] for i in range(0, len(records), chunk)]
        self._thread = threading.Thread(
            target=lambda: self.sent.extend(publish(servers, topic, c) for c in chunks)
        )

    def start(self) -> FeedPublisher:
        self._thread.start()
        return self

    def join(self) -> int:
        """Wait until the whole feed is published; returns how many records were sent."""
        self._thread.join()
        return sum(self.sent)


class Aggregators:
    """`vaxshare aggregate` processes started for one test, stopped at its end."""

    def __init__(
        self, servers: Servers, topics: Topics, prefix: str, logs: Path, **env: str
    ) -> None:
        self.env = {
            **os.environ,
            "VAXSHARE_KAFKA_BOOTSTRAP": servers.bootstrap,
            "VAXSHARE_REDIS_URL": servers.redis_url,
            "VAXSHARE_REDIS_PREFIX": prefix,
            **servers.secrets.service_env("aggregate"),
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

    def consumed(self, process: subprocess.Popen[bytes]) -> float:
        """How many records this process has taken in so far (from its /metrics)."""
        port = self.metrics_port(process)
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        prefix = 'vaxshare_aggregate_events_total{outcome="consumed"}'
        lines = [line for line in metrics.splitlines() if line.startswith(prefix)]
        return float(lines[0].split()[-1]) if lines else 0.0

    def wait_for_consumed(self, process: subprocess.Popen[bytes], timeout: float = 60.0) -> float:
        """Wait until a process has taken in some records; returns how many it has."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            consumed = self.consumed(process)
            if consumed > 0:
                return consumed
            time.sleep(0.1)
        raise AssertionError(f"the process took in no record in {timeout}s")

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL a process: no batch finished, nothing flushed."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        self.running.remove(process)

    def stop(self, process: subprocess.Popen[bytes], timeout: float = 60.0) -> int:
        """SIGTERM one process (it leaves the group after its batch) and return its exit code."""
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=timeout)
        self.running.remove(process)
        return code

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


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at this port (from /proc/net/tcp)."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            host, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(host)
                # /proc prints each 32-bit word little-endian.
                words = [raw[i : i + 4][::-1] for i in range(0, len(raw), 4)]
                addresses.add(str(ipaddress.ip_address(b"".join(words))))
    return addresses


def wait_until_counted(
    servers: Servers, topic: str, reader: CountsReader, *, timeout: float = 60.0
) -> None:
    """Wait until Redis's offsets reach the end of every partition of the topic."""
    ends = end_offsets(servers.bootstrap, topic, servers.secrets.kafka_auth("release"))
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
    raise AssertionError(f"no more than {beyond} records counted in {timeout}s")


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


def kill_and_restart(
    aggregators: Aggregators,
    processes: list[subprocess.Popen[bytes]],
    reader: CountsReader,
    *,
    beyond: int,
    rng: random.Random,
    victim: int | None = None,
) -> int:
    """Once more than ``beyond`` records are counted, SIGKILL one of ``processes`` (at
    ``victim``, else one at random) anywhere in a batch or between two, and start another in
    its place; returns the records counted just after the kill."""
    wait_for_progress(reader, beyond=beyond, timeout=90)
    time.sleep(rng.uniform(0.0, 0.8))
    aggregators.kill(processes.pop(rng.randrange(len(processes)) if victim is None else victim))
    progress = sum(reader.offsets().values())
    processes.append(aggregators.start())
    return progress


def count_to_end(
    aggregators: Aggregators,
    servers: Servers,
    topic: str,
    reader: CountsReader,
    *,
    processes: int = 1,
    timeout: float = 90.0,
) -> list[int]:
    """Start ``processes`` aggregators, wait until they have counted the whole topic and stop
    them with SIGTERM; returns their exit codes."""
    try:
        for _ in range(processes):
            aggregators.start()
        wait_until_counted(servers, topic, reader, timeout=timeout)
        return aggregators.stop_all()
    finally:
        aggregators.kill_all()


def assert_counted_exactly(
    reader: CountsReader,
    simulator: Simulator,
    *,
    breakdowns: tuple[str, ...] | None = None,
    published: int | None = None,
    dead_lettered: bool = False,
) -> dict[str, int]:
    """Every cell equals the simulator's ground truth and every event is counted once; with
    ``published``, each record was taken in exactly once; with ``dead_lettered``, every
    invalid record was dead-lettered with its reason. Returns the stats."""
    want = dict(simulator.expected_counts(breakdowns).counts)
    assert not differences(redis_counts(reader), want)
    stats = reader.stats()
    assert stats["net_counted"] == len(simulator.truth())
    if published is not None:
        assert stats["consumed"] == published
    if dead_lettered:
        invalid = Counter(("aggregate", r.reason) for r in simulator.records() if not r.valid)
        assert dead_letter_counts(reader.client, prefix=reader.keys.prefix) == dict(invalid)
    return stats
