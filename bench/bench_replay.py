"""Benchmark: replay (a full rebuild from the log) and the memory it leaves behind.

Prefills the 12-partition events topic with a simulated feed, then runs the real
`vaxshare aggregate rebuild` process: it replays the topic from the start into a new
generation and switches to it. Measured: the rebuild's wall time and records/s; its CPU,
peak RSS and py-spy profile (the aggregator's own loop: decode, validate, count, Redis);
Redis's CPU over the same time (Redis is single-threaded, so its busy share gives the rate
one Redis can take); and Redis memory for the counts and the per-event state (event-id
hashes spread over as many buckets per event as production has). The figures are projected
to the UK's ~130 million doses (replay with N aggregators) and to 150 million events
(memory); the projections are linear and say so.

    python -m bench.bench_replay [--events 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
from kafka import KafkaProducer

from bench.process_usage import PeakRss, cpu_seconds
from bench.profiling import start_sampling, summarise
from bench.simulated_batches import avro_records
from bench.stack import EVENTS_TOPIC, PARTITIONS, PREFIX, BenchStack, running_stack
from devtools.localstack.servers import REPO_ROOT
from services.platform.kafka_auth import KafkaAuth
from services.platform.redis_keys import RedisKeys

UK_DOSES = 130_000_000
MEMORY_EVENTS = 150_000_000
EVENTS_PER_BUCKET = 75  # production: 150 million events over 2**21 buckets
AGGREGATORS = (1, 2, 4, 12)


def prefill(bootstrap: str, auth: KafkaAuth, records: list[tuple[bytes, bytes]]) -> float:
    """Produce the records keyed by person (acks=all); return the seconds it took."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        **auth.kafka_python(),
        acks="all",
        linger_ms=50,
        batch_size=1024 * 1024,
        max_request_size=8 * 1024 * 1024,
    )
    started = time.perf_counter()
    for key, value in records:
        producer.send(EVENTS_TOPIC, key=key, value=value)
    producer.flush(timeout=300)
    producer.close()
    return time.perf_counter() - started


def _memory_by_kind(client: redis.Redis, generation: str) -> dict[str, int]:
    """Bytes Redis holds for one generation's counts (`c:`) and event states (`e:`)."""
    sizes = {"counts": 0, "count_fields": 0, "states": 0, "state_entries": 0}
    names = RedisKeys(PREFIX)
    prefixes = (("counts", "c:"), ("states", "e:"))  # `P:g<G>:{s<K>}:c:...` and `...:e:...`
    for kind, part in prefixes:
        pattern = f"{names.generation(generation)}{{s*}}:{part}*"
        keys = list(client.scan_iter(match=pattern, count=2000))
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.memory_usage(key, samples=0)
            pipe.hlen(key)
        answers = pipe.execute()
        sizes[kind] = sum(answers[0::2])
        sizes["count_fields" if kind == "counts" else "state_entries"] = sum(answers[1::2])
    return sizes


def rebuild(stack: BenchStack, buckets: int) -> dict[str, Any]:
    """Run `vaxshare aggregate rebuild` to the end; its timings, CPU, RSS and Redis's CPU."""
    env = {
        **os.environ,
        **stack.env(
            "aggregate",
            VAXSHARE_AGGREGATE_EVENT_BUCKETS=str(buckets),
            VAXSHARE_LOG_LEVEL="INFO",
        ),
    }
    log = stack.workdir / "rebuild.log"
    redis_cpu = cpu_seconds(stack.redis_pid)
    started = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "aggregate", "rebuild"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO_ROOT,
        )
        profile_out = stack.workdir / "rebuild.profile"
        sampler = start_sampling(process.pid, None, profile_out, rate=100)
        with PeakRss(process.pid) as rss:
            cpu = 0.0
            while process.poll() is None:
                cpu = max(cpu, cpu_seconds(process.pid))
                time.sleep(0.1)
        profile = summarise(profile_out, sampler)
    wall = time.perf_counter() - started
    redis_cpu = cpu_seconds(stack.redis_pid) - redis_cpu
    text = log.read_text(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"the rebuild failed ({process.returncode}):\n{text[-2000:]}")
    done = [json.loads(line) for line in text.splitlines() if "rebuild switched over" in line]
    if not done:
        raise RuntimeError(f"the rebuild did not report switching over:\n{text[-2000:]}")
    return {
        "wall_seconds": wall,
        "replay_seconds": float(done[-1]["seconds"]),
        "records": int(done[-1]["records"]),
        "generation": str(done[-1]["new_generation"]),
        "aggregator_cpu_seconds": cpu,
        "aggregator_peak_rss": rss.peak,
        "redis_cpu_seconds": redis_cpu,
        "profile": profile,
    }


def run(workdir: Path, *, events: int | None = None) -> dict[str, Any]:
    """Prefill a topic, rebuild from it, measure memory; return figures and projections."""
    wanted = events or int(os.environ.get("VAXSHARE_BENCH_REPLAY_EVENTS", "200000"))
    records = avro_records(wanted, seed=11)
    buckets = max(1, len(records) // EVENTS_PER_BUCKET)
    with running_stack(workdir) as stack:
        client = stack.redis()
        prefill_seconds = prefill(stack.bootstrap, stack.kafka, records)
        before = int(client.info("memory")["used_memory"])
        result = rebuild(stack, buckets)
        after = int(client.info("memory")["used_memory"])
        sizes = _memory_by_kind(client, result["generation"])
    n = result["records"]
    rate = n / result["replay_seconds"]
    redis_busy = result["redis_cpu_seconds"] / result["replay_seconds"]
    redis_ceiling = rate / redis_busy if redis_busy > 0 else float("inf")
    per_million = (after - before) / n * 1e6
    state_per_event = sizes["states"] / max(1, sizes["state_entries"])
    return {
        "records": n,
        "partitions": PARTITIONS,
        "event_buckets": buckets,
        "prefill_seconds": round(prefill_seconds, 1),
        "rebuild_process_seconds": round(result["wall_seconds"], 1),
        "replay_seconds": round(result["replay_seconds"], 1),
        "replay_records_per_second": round(rate),
        "seconds_for_1m_events": round(1e6 / rate, 1),
        "aggregator_cpu_share": round(result["aggregator_cpu_seconds"] / result["wall_seconds"], 2),
        "redis_cpu_share": round(redis_busy, 2),
        "redis_ceiling_records_per_second": round(redis_ceiling),
        "uk_130m_replay_hours": {
            str(k): round(UK_DOSES / min(k * rate, redis_ceiling) / 3600, 2) for k in AGGREGATORS
        },
        "redis_mib_per_million_events": round(per_million / 2**20, 1),
        "state_bytes_per_event": round(state_per_event, 1),
        "count_bytes_per_cell": round(sizes["counts"] / max(1, sizes["count_fields"]), 1),
        "count_cells": sizes["count_fields"],
        "aggregator_peak_rss_mib": round(result["aggregator_peak_rss"] / 2**20, 1),
        "projected_state_gib_for_150m_events": round(state_per_event * MEMORY_EVENTS / 2**30, 1),
        "projected_redis_gib_for_150m_events_linear": round(
            per_million * MEMORY_EVENTS / 1e6 / 2**30, 1
        ),
        "aggregator_profile": result["profile"],
        "projection": (
            "linear in events from this run; one aggregator per partition-group on its own "
            "core, all sharing one Redis (capped at its measured ceiling); counts grow with "
            "distinct cells, not events, so the linear Redis figure is an upper bound"
        ),
    }


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_replay")
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        print(json.dumps(run(Path(tmp), events=args.events), indent=2))


if __name__ == "__main__":
    main()
