"""Benchmark: ingest throughput, HTTP batches of 1,000 events answered after the broker's ack.

A real ingest (`vaxshare ingest --workers N`) on a local Kafka and Redis; several client
threads post JSON Lines batches of 1,000 simulated events (with NHS numbers, so the ingest
validates, pseudonymises, encodes to Avro and waits for acks=all). Events/s counts accepted
events over the wall time of each run; the figure is the median of the runs. It is measured
for each worker count asked for (one process, and one per core by default), one after the
other on the same stack. The clients (`raw_post`: a prepared request on a plain socket, the
answer read with orjson) record their own CPU time beside it, to show they are not the bound.

    python -m bench.bench_ingest [--events-per-run 20000] [--clients 4] [--workers 1 2]
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

import orjson

from bench.measures import median, ms, percentile
from bench.profiling import start_sampling, summarise
from bench.raw_post import RawPost
from bench.simulated_batches import avro_records, jsonl_bodies
from bench.stack import EVENTS_TOPIC, PREFIX, BenchStack, running_stack
from devtools.localstack import servers
from services.access.roles import Role
from services.platform.cpus import available_cpus
from services.platform.kafka_auth import KafkaAuth
from services.platform.kafka_producer import AckedProducer, OutgoingRecord
from services.platform.key_store import KeyStore

BATCH = 1000
RUNS = 3
TARGET_EVENTS_PER_SECOND = 20_000
PROFILE_SECONDS = 5


def start_ingest(stack: BenchStack, workers: int) -> tuple[str, str, int]:
    """Start an ingest with `workers` processes and make a publisher key; URL, key and pid."""
    port = servers.free_port()
    pid = stack.start_service(
        "ingest",
        ["ingest", "--workers", str(workers)],
        port=port,
        env=stack.env("ingest", VAXSHARE_INGEST_PORT=str(port)),
    )
    key, _ = KeyStore(stack.redis(), prefix=PREFIX).create(Role.PUBLISHER, "Bench GP supplier")
    return f"http://127.0.0.1:{port}/v1/events", key, pid


def post_all(url: str, key: str, bodies: list[bytes], clients: int) -> dict[str, float]:
    """Post every body from `clients` threads; return accepted events/s and batch latencies."""
    # A connection per batch, as a publisher's system posting now and then opens one: the
    # kernel then hands each to a worker that is free to accept it (kept-alive connections
    # would stay with whichever worker took them first, however busy it is).
    poster = RawPost(
        url, {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
    )
    queue = list(reversed(bodies))
    lock = threading.Lock()
    accepted: list[int] = []
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        while True:
            with lock:
                if not queue or failures:
                    return
                body = queue.pop()
            sent = time.perf_counter()
            status, answer = poster.post(body)
            took = time.perf_counter() - sent
            with lock:
                if status not in (200, 207):
                    failures.append(f"{status}: {answer[:300].decode(errors='replace')}")
                    return
                accepted.append(int(orjson.loads(answer)["accepted"]))
                latencies.append(took)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if failures:
        raise RuntimeError(f"the ingest refused a batch: {failures[0]}")
    return {
        "events_per_second": sum(accepted) / elapsed,
        "accepted": sum(accepted),
        "batch_p50_ms": ms(percentile(latencies, 0.5)),
        "batch_p99_ms": ms(percentile(latencies, 0.99)),
        "client_cpu_cores": cpu / elapsed,
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


def measure(
    stack: BenchStack,
    workers: int,
    bodies: list[list[bytes]],
    records: list[tuple[bytes, bytes]],
    clients: int,
    profile_to: Path | None,
) -> dict[str, Any]:
    """Runs against one ingest of `workers` processes, the bare producer between them."""
    url, key, pid = start_ingest(stack, workers)
    post_all(url, key, bodies[0], clients)  # warm-up: connections, first calls
    runs, bare = [], []
    for chunk in bodies[1:]:  # the ceiling is measured between the runs, on the same broker
        runs.append(post_all(url, key, chunk, clients))
        bare.append(bare_producer_rate(stack.bootstrap, stack.kafka, records))
    profile = None
    if profile_to is not None:
        sampler = start_sampling(pid, PROFILE_SECONDS, profile_to)
        post_all(url, key, bodies[0], clients)
        profile = summarise(profile_to, sampler)
    stack.stop_service(pid)
    rate = median([r["events_per_second"] for r in runs])
    events = sum(len(chunk) for chunk in bodies[1:]) * BATCH
    return {
        "workers": workers,
        "ingest_events_per_second": round(rate),
        "runs_events_per_second": [round(r["events_per_second"]) for r in runs],
        "accepted_share": round(sum(r["accepted"] for r in runs) / events, 4),
        "batch_p50_ms": median([r["batch_p50_ms"] for r in runs]),
        "batch_p99_ms": median([r["batch_p99_ms"] for r in runs]),
        "client_cpu_cores": round(median([r["client_cpu_cores"] for r in runs]), 3),
        "bare_producer_events_per_second": round(median(bare)),
        "profile": profile,
    }


def run(
    workdir: Path,
    *,
    events_per_run: int | None = None,
    clients: int | None = None,
    workers: list[int] | None = None,
) -> dict[str, Any]:
    """Start Kafka, Redis and an ingest in `workdir`; post batches; return the figures."""
    per_run = events_per_run or int(os.environ.get("VAXSHARE_BENCH_INGEST_EVENTS", "20000"))
    threads = clients or int(os.environ.get("VAXSHARE_BENCH_INGEST_CLIENTS", "4"))
    asked = os.environ.get("VAXSHARE_BENCH_INGEST_WORKERS", f"1 {available_cpus()}")
    counts = workers or [int(n) for n in asked.split()]
    bodies = jsonl_bodies((RUNS + 1) * per_run, BATCH)
    per_batches = len(bodies) // (RUNS + 1)
    chunks = [bodies[i * per_batches : (i + 1) * per_batches] for i in range(RUNS + 1)]
    records = avro_records(per_run)
    with running_stack(workdir) as stack:
        # The profile is of one process: with one worker, that is the whole ingest.
        profiles = {1: workdir / "ingest.profile"}
        by_workers = [
            measure(stack, n, chunks, records, threads, profile_to=profiles.get(n))
            for n in dict.fromkeys(counts)
        ]
    headline = by_workers[-1]
    rate = headline["ingest_events_per_second"]
    ceiling = headline["bare_producer_events_per_second"]
    return {
        "batch_events": BATCH,
        "client_threads": threads,
        "events_per_run": per_batches * BATCH,
        "runs": RUNS,
        **{k: v for k, v in headline.items() if k != "profile"},
        "ingest_vs_bare_producer": round(rate / ceiling, 3) if ceiling else None,
        "by_workers": {
            str(r["workers"]): {k: v for k, v in r.items() if k != "profile"} for r in by_workers
        },
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        "target_met": rate >= TARGET_EVENTS_PER_SECOND,
        "profile": next((r["profile"] for r in by_workers if r["profile"]), None),
    }


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_ingest")
    parser.add_argument("--events-per-run", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--workers", type=int, nargs="+", help="ingest worker counts to measure (default: 1, cores)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        figures = run(
            Path(tmp),
            events_per_run=args.events_per_run,
            clients=args.clients,
            workers=args.workers,
        )
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
