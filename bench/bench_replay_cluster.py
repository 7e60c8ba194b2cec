"""Benchmark: replay with N aggregators on M Redis masters (one node, or a Redis Cluster).

Prefills the 12-partition events topic with a simulated feed once, then for each layout starts
N `vaxshare aggregate run` processes (one consumer group; Redis's offsets, under a fresh key
prefix per layout, start them at the beginning) on a single Redis or on a Redis Cluster of
three masters started from the OS package, and times them from the first counted record to
the end of the log. Measured per layout: records/s and the Redis CPU it took (summed over the
masters); projected: the UK's ~130 million doses, with the aggregators and the masters each
scaled linearly to the slower of the two (Redis's ceiling is the measured rate over its busy
share, per master).

    python -m bench.bench_replay_cluster [--events 100000]
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
from redis.cluster import RedisCluster

from bench.bench_replay import prefill
from bench.process_usage import cpu_seconds
from bench.simulated_batches import avro_records
from bench.stack import BENCH_USER, EVENTS_TOPIC, PARTITIONS, BenchStack, running_stack
from devtools.localstack import redis_cluster
from devtools.localstack.servers import REPO_ROOT
from services.release.counts_reader import CountsReader
from services.release.cut import end_offsets

UK_DOSES = 130_000_000
LAYOUTS = ((1, 1), (2, 1), (2, 3))  # (aggregators, Redis masters)
PROJECTED = ((4, 3), (12, 3), (12, 6))


def _replay(
    stack: BenchStack,
    *,
    aggregators: int,
    url: str,
    cluster: bool,
    client: redis.Redis,
    redis_pids: list[int],
    prefix: str,
    ends: dict[int, int],
) -> dict[str, Any]:
    """Count the whole topic with this many aggregators; records/s and Redis CPU."""
    env = {
        **os.environ,
        **stack.env(
            "aggregate",
            VAXSHARE_REDIS_URL=url,
            VAXSHARE_REDIS_CLUSTER="true" if cluster else "false",
            VAXSHARE_REDIS_PREFIX=prefix,
            VAXSHARE_AGGREGATE_METRICS_PORT="0",
            VAXSHARE_AGGREGATE_EVENT_BUCKETS="4096",
        ),
    }
    reader = CountsReader(client, prefix=prefix)
    total = sum(ends.values())
    processes = []
    for i in range(aggregators):
        log = (stack.workdir / f"{prefix}-{i}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "services.cli", "aggregate", "run"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=REPO_ROOT,
            )
        )
    try:
        first = started = redis_cpu = None
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            done = sum(reader.offsets().values())
            if first is None and done > 0:  # timed from the first batch: startup excluded
                first, started = done, time.perf_counter()
                redis_cpu = sum(cpu_seconds(pid) for pid in redis_pids)
            if done >= total:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"{prefix}: not counted to the end in 900 s")
        seconds = time.perf_counter() - (started or 0.0)
        busy = sum(cpu_seconds(pid) for pid in redis_pids) - (redis_cpu or 0.0)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    counted = total - (first or 0)
    return {
        "records": counted,
        "seconds": round(seconds, 2),
        "records_per_second": round(counted / seconds),
        "redis_cpu_share": round(busy / seconds, 2),  # summed over the masters
    }


def run(workdir: Path, *, events: int | None = None) -> dict[str, Any]:
    """Prefill once, replay in each layout; figures and the 130M projection."""
    wanted = events or int(os.environ.get("VAXSHARE_BENCH_CLUSTER_EVENTS", "100000"))
    records = avro_records(wanted, seed=13)
    layouts: dict[str, Any] = {}
    with running_stack(workdir) as stack:
        prefill(stack.bootstrap, stack.kafka, records)
        ends = end_offsets(stack.bootstrap, EVENTS_TOPIC, stack.kafka)
        cluster = redis_cluster.start_redis_cluster(
            workdir / "redis-cluster",
            ports=redis_cluster.free_cluster_ports(3),
            acl=stack.login.redis_acl(),
        )
        try:
            cluster_client = RedisCluster.from_url(
                cluster.url, username=BENCH_USER, password=stack.login.redis_password
            )
            for aggregators, masters in LAYOUTS:
                on_cluster = masters > 1
                layouts[f"{aggregators}x{masters}"] = _replay(
                    stack,
                    aggregators=aggregators,
                    url=cluster.url if on_cluster else stack.redis_url,
                    cluster=on_cluster,
                    client=cluster_client if on_cluster else stack.redis(),  # type: ignore[arg-type]
                    redis_pids=[n.pid for n in cluster.nodes] if on_cluster else [stack.redis_pid],
                    prefix=f"bench{aggregators}x{masters}",
                    ends=ends,
                )
        finally:
            cluster.stop()
    single = layouts["1x1"]
    per_aggregator = single["records_per_second"]
    per_master = per_aggregator / max(0.01, single["redis_cpu_share"])  # one Redis's ceiling
    best = max(layouts.values(), key=lambda f: f["records_per_second"])
    return {
        "records": len(records),
        "partitions": PARTITIONS,
        "cores": os.cpu_count(),
        "layouts": layouts,
        "cluster_vs_single": round(
            layouts["2x3"]["records_per_second"] / single["records_per_second"], 2
        ),
        "redis_ceiling_records_per_second_per_master": round(per_master),
        "uk_130m_replay_hours_measured_best": round(
            UK_DOSES / best["records_per_second"] / 3600, 2
        ),
        "uk_130m_replay_hours_projected": {
            f"{n}x{m}": round(UK_DOSES / min(n * per_aggregator, m * per_master) / 3600, 2)
            for n, m in PROJECTED
        },
        "projection": (
            "NxM = N aggregators (each on its own core, 12 partitions) on M Redis masters; "
            "linear in both from the 1x1 run, capped by the slower side. On this machine all "
            "layouts share the same cores, so the measured layouts bound, rather than show, "
            "the scale-out"
        ),
    }


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_replay_cluster")
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        print(json.dumps(run(Path(tmp), events=args.events), indent=2))


if __name__ == "__main__":
    main()
