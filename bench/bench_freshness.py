"""Benchmark: end-to-end freshness, from the ingest's HTTP answer to counted in Redis.

A real ingest and one real aggregator (`vaxshare aggregate run`) on a local Kafka and Redis.
Client threads post batches of 100 simulated events on a fixed schedule, a steady 2,000
events/s. Right after each batch's HTTP 200 the bench reads the topic's end offsets: every
record of the batch lies below them (the ingest answers only after the broker acknowledged).
A poller reads the aggregator's committed offsets in Redis (stored atomically with the
counts) every few milliseconds; a batch is counted once every partition's offset has reached
its mark. The figure is therefore an upper bound: a mark may include records of a batch
accepted a moment later.

    python -m bench.bench_freshness [--seconds 20] [--rate 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from kafka import KafkaConsumer, TopicPartition

from bench.bench_ingest import start_ingest
from bench.measures import ms, percentile
from bench.simulated_batches import jsonl_bodies
from bench.stack import EVENTS_TOPIC, PARTITIONS, PREFIX, BenchStack, running_stack
from devtools.localstack import servers
from services.release.counts_reader import CountsReader

BATCH = 100
SENDERS = 8
WARM_UP_SECONDS = 4.0
POLL_SECONDS = 0.005
TARGET_P99_SECONDS = 1.0


@dataclass(slots=True)
class Pending:
    """A batch accepted by the ingest and not yet seen counted."""

    accepted_at: float
    marks: dict[int, int]
    measured: bool


def start_aggregator(stack: BenchStack) -> int:
    """Start one aggregator process in the default consumer group; return its pid."""
    port = servers.free_port()
    env = stack.env(
        "aggregate",
        VAXSHARE_AGGREGATE_METRICS_PORT=str(port),
        VAXSHARE_AGGREGATE_METRICS_HOST="127.0.0.1",
        VAXSHARE_AGGREGATE_EVENT_BUCKETS=str(1 << 16),
    )
    return stack.start_service("aggregate", ["aggregate", "run"], port=port, env=env)


class Freshness:
    """Posts on a schedule, marks each accepted batch and waits for it to be counted."""

    def __init__(self, stack: BenchStack, url: str, key: str, bodies: list[bytes]) -> None:
        self.url, self.bodies = url, bodies
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
        self.reader = CountsReader(stack.redis(), prefix=PREFIX)
        self.bootstrap = stack.bootstrap
        self.kafka = stack.kafka
        self.lock = threading.Lock()
        self.pending: list[Pending] = []
        self.delays: list[float] = []
        self.measured_accepts: list[float] = []
        self.failures: list[str] = []
        self.late_posts = 0
        self.done = threading.Event()

    def run(self, rate: float, seconds: float) -> None:
        """Post `rate` events/s for warm-up plus `seconds`; wait for the last to be counted."""
        interval = BATCH / rate
        started = time.perf_counter() + 0.5
        measure_from = started + WARM_UP_SECONDS
        poller = threading.Thread(target=self._poll)
        poller.start()
        senders = [
            threading.Thread(target=self._send, args=(i, started, interval, measure_from))
            for i in range(SENDERS)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with self.lock:
                if not self.pending:
                    break
            time.sleep(0.05)
        self.done.set()
        poller.join()
        if self.failures:
            raise RuntimeError(f"freshness run failed: {self.failures[0]}")

    def _send(self, index: int, started: float, interval: float, measure_from: float) -> None:
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, **self.kafka.kafka_python())
        partitions = [TopicPartition(EVENTS_TOPIC, p) for p in range(PARTITIONS)]
        try:
            with httpx.Client(timeout=30) as http:
                for n in range(index, len(self.bodies), SENDERS):
                    due = started + n * interval
                    wait = due - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                    elif wait < -interval:
                        self.late_posts += 1
                    answer = http.post(self.url, content=self.bodies[n], headers=self.headers)
                    accepted_at = time.perf_counter()
                    if answer.status_code not in (200, 207):
                        self.failures.append(f"ingest {answer.status_code}: {answer.text[:200]}")
                        return
                    ends = consumer.end_offsets(partitions)
                    marks = {tp.partition: int(off) for tp, off in ends.items()}
                    with self.lock:
                        self.pending.append(Pending(accepted_at, marks, due >= measure_from))
                        if due >= measure_from:
                            self.measured_accepts.append(accepted_at)
        except Exception as exc:  # a bench thread must report, not vanish
            self.failures.append(repr(exc))
        finally:
            consumer.close()

    def _poll(self) -> None:
        while not self.done.is_set():
            reached = self.reader.offsets()
            now = time.perf_counter()
            with self.lock:
                still = []
                for batch in self.pending:
                    if all(reached.get(p, 0) >= off for p, off in batch.marks.items()):
                        if batch.measured:
                            self.delays.append(now - batch.accepted_at)
                    else:
                        still.append(batch)
                self.pending = still
            time.sleep(POLL_SECONDS)


def run(
    workdir: Path, *, seconds: float | None = None, rate: float | None = None
) -> dict[str, Any]:
    """Start Kafka, Redis, an ingest and an aggregator; post steadily; return the figures."""
    duration = seconds or float(os.environ.get("VAXSHARE_BENCH_FRESHNESS_SECONDS", "20"))
    events_per_second = rate or float(os.environ.get("VAXSHARE_BENCH_FRESHNESS_RATE", "2000"))
    batches = int((duration + WARM_UP_SECONDS) * events_per_second / BATCH)
    bodies = jsonl_bodies(batches * BATCH, BATCH)
    with running_stack(workdir) as stack:
        url, key, _ = start_ingest(stack, 1)
        start_aggregator(stack)
        bench = Freshness(stack, url, key, bodies)
        bench.run(events_per_second, duration)
    delays = bench.delays
    p99 = percentile(delays, 0.99)
    accepts = sorted(bench.measured_accepts)
    span = accepts[-1] - accepts[0] if len(accepts) > 1 else 0.0
    achieved = (len(accepts) - 1) * BATCH / span if span else 0.0
    reached = achieved >= 0.95 * events_per_second
    return {
        "events_per_second": events_per_second,
        "batch_events": BATCH,
        "measured_seconds": duration,
        "measured_batches": len(delays),
        "achieved_events_per_second": round(achieved),
        "posts_behind_schedule": bench.late_posts,
        "freshness_p50_ms": ms(percentile(delays, 0.5)),
        "freshness_p99_ms": ms(p99),
        "freshness_max_ms": ms(max(delays, default=0.0)),
        "target_p99_ms": ms(TARGET_P99_SECONDS),
        "rate_reached": reached,
        # The target is for a steady 2,000 events/s: a slower run cannot claim it.
        "target_met": bool(delays) and p99 < TARGET_P99_SECONDS and reached,
        "method": "HTTP 200 -> Redis offsets past the topic end offsets read after the answer",
    }


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_freshness")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        print(json.dumps(run(Path(tmp), seconds=args.seconds, rate=args.rate), indent=2))


if __name__ == "__main__":
    main()
