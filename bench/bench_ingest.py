"""Benchmark: ingest throughput, HTTP batches of 1,000 events answered after the broker's ack.

One real ingest process (`vaxshare ingest`) on a local Kafka and Redis; several client
threads post JSON Lines batches of 1,000 simulated events (with NHS numbers, so the ingest
validates, pseudonymises, encodes to Avro and waits for acks=all). Events/s counts accepted
events over the wall time of each run; the figure is the median of the runs.

    python -m bench.bench_ingest [--events-per-run 20000] [--clients 4]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.measures import median, ms, percentile
from bench.profiling import start_sampling, summarise
from bench.simulated_batches import avro_records, jsonl_bodies
from bench.stack import EVENTS_TOPIC, PREFIX, BenchStack, running_stack
from devtools.localstack import servers
from services.access.roles import Role
from services.platform.kafka_auth import KafkaAuth
from services.platform.kafka_producer import AckedProducer, OutgoingRecord
from services.platform.key_store import KeyStore

BATCH = 1000
RUNS = 3
TARGET_EVENTS_PER_SECOND = 20_000
PROFILE_SECONDS = 5


def start_ingest(stack: BenchStack) -> tuple[str, str]:
    """Start an ingest process and make a publisher key; return its URL and the key."""
    port = servers.free_port()
    stack.start_service(
        "ingest", ["ingest"], port=port, env=stack.env("ingest", VAXSHARE_INGEST_PORT=str(port))
    )
    key, _ = KeyStore(stack.redis(), prefix=PREFIX).create(Role.PUBLISHER, "Bench GP supplier")
    return f"http://127.0.0.1:{port}/v1/events", key


def post_all(url: str, key: str, bodies: list[bytes], clients: int) -> dict[str, float]:
    """Post every body from `clients` threads; return accepted events/s and batch latencies."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
    queue = list(reversed(bodies))
    lock = threading.Lock()
    accepted: list[int] = []
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        with httpx.Client(timeout=60) as http:
            while True:
                with lock:
                    if not queue or failures:
                        return
                    body = queue.pop()
                sent = time.perf_counter()
                answer = http.post(url, content=body, headers=headers)
                took = time.perf_counter() - sent
                with lock:
                    if answer.status_code not in (200, 207):
                        failures.append(f"{answer.status_code}: {answer.text[:300]}")
                        return
                    accepted.append(int(answer.json()["accepted"]))
                    latencies.append(took)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"the ingest refused a batch: {failures[0]}")
    return {
        "events_per_second": sum(accepted) / elapsed,
        "accepted": sum(accepted),
        "batch_p50_ms": ms(percentile(latencies, 0.5)),
        "batch_p99_ms": ms(percentile(latencies, 0.99)),
    }


def bare_producer_rate(
    bootstrap: str, auth: KafkaAuth, records: list[tuple[bytes, bytes]]
) -> float:
    """The ceiling: the ingest's own producer alone, sending Avro records in acked batches."""
    producer = AckedProducer(
        bootstrap=bootstrap, auth=auth, client_id="bench-bare", timeout_seconds=30
    )
    outgoing = [OutgoingRecord(EVENTS_TOPIC, key, value) for key, value in records]
    producer.send_all(outgoing[:1])  # connection and metadata stay outside the timing
    started = time.perf_counter()
    for start in range(0, len(outgoing), BATCH):
        producer.send_all(outgoing[start : start + BATCH])
    elapsed = time.perf_counter() - started
    producer.close()
    return len(records) / elapsed


def run(
    workdir: Path, *, events_per_run: int | None = None, clients: int | None = None
) -> dict[str, Any]:
    """Start Kafka, Redis and an ingest in `workdir`; post batches; return the figures."""
    per_run = events_per_run or int(os.environ.get("VAXSHARE_BENCH_INGEST_EVENTS", "20000"))
    threads = clients or int(os.environ.get("VAXSHARE_BENCH_INGEST_CLIENTS", "4"))
    bodies = jsonl_bodies((RUNS + 1) * per_run, BATCH)
    records = avro_records(per_run)
    per_batches = len(bodies) // (RUNS + 1)
    with running_stack(workdir) as stack:
        url, key = start_ingest(stack)
        post_all(url, key, bodies[:per_batches], threads)  # warm-up: connections, first calls
        runs, bare = [], []
        for i in range(RUNS):  # the ceiling is measured between the runs, on the same broker
            chunk = bodies[(i + 1) * per_batches : (i + 2) * per_batches]
            runs.append(post_all(url, key, chunk, threads))
            bare.append(bare_producer_rate(stack.bootstrap, stack.kafka, records))
        profile_out = workdir / "ingest.profile"
        sampler = start_sampling(stack.pids[0], PROFILE_SECONDS, profile_out)
        post_all(url, key, bodies[:per_batches], threads)
        profile = summarise(profile_out, sampler)
    rate = median([r["events_per_second"] for r in runs])
    ceiling = median(bare)
    return {
        "batch_events": BATCH,
        "client_threads": threads,
        "events_per_run": per_batches * BATCH,
        "runs": RUNS,
        "accepted_share": round(sum(r["accepted"] for r in runs) / (RUNS * per_batches * BATCH), 4),
        "ingest_events_per_second": round(rate),
        "runs_events_per_second": [round(r["events_per_second"]) for r in runs],
        "batch_p50_ms": median([r["batch_p50_ms"] for r in runs]),
        "batch_p99_ms": median([r["batch_p99_ms"] for r in runs]),
        "bare_producer_events_per_second": round(ceiling),
        "ingest_vs_bare_producer": round(rate / ceiling, 3),
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        "target_met": rate >= TARGET_EVENTS_PER_SECOND,
        "profile": profile,
    }


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_ingest")
    parser.add_argument("--events-per-run", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        figures = run(Path(tmp), events_per_run=args.events_per_run, clients=args.clients)
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
