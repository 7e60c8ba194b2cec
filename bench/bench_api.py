"""Benchmark: the council API under 50 concurrent clients, against its own trivial endpoint.

A real API process (`vaxshare api`) on a local Redis holding a published release (120 days,
every default breakdown, North West London). In each round, side by side, 50 connections
drive `/healthz` (no Redis, no auth: the ceiling of the app and server), then one borough's
ethnic-group breakdown of first doses as JSON and as CSV with a council key (auth, scope,
release look-up, table read, audit log entry). Figures are medians over the rounds.

    python -m bench.bench_api [--seconds 6] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.load_generator import Load, measure
from bench.measures import median, ms
from bench.profiling import start_sampling, summarise
from bench.published_release import write_published_release
from bench.stack import PREFIX, BenchStack, running_stack
from devtools.localstack import servers
from devtools.simulator.simulator import NW_LONDON
from services.access.roles import Role
from services.platform.key_store import KeyStore

AREA = "E09000013"
CLIENTS = 50
DAYS = 120
QUERY = f"/v1/areas/{AREA}/vaccinations?breakdown=ethnic_group&dose=1"
ENDPOINTS = {"trivial": "/healthz", "json": QUERY, "csv": f"{QUERY}&format=csv"}
TARGET_P99_SECONDS = 0.050
TARGET_RATIO = 0.5


def start_api(stack: BenchStack) -> tuple[str, str]:
    """Publish a release, start the API, make a council key; return the base URL and key."""
    client = stack.redis()
    write_published_release(client, prefix=PREFIX, ltlas=NW_LONDON, days=DAYS)
    key, _ = KeyStore(client, prefix=PREFIX).create(
        Role.COUNCIL, "Hammersmith and Fulham public health", (AREA,)
    )
    port = servers.free_port()
    env = stack.env(
        "api",
        VAXSHARE_API_PORT=str(port),
        VAXSHARE_RATE_LIMIT_PER_MINUTE=str(10**9),  # the bench is one key at full speed
    )
    stack.start_service("api", ["api"], port=port, env=env)
    return f"http://127.0.0.1:{port}", key


def _check(base: str, key: str) -> int:
    """Fail early unless the query answers 200 with rows; return the number of rows."""
    answer = httpx.get(base + QUERY, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    if answer.status_code != 200:
        raise RuntimeError(f"the API answered {answer.status_code}: {answer.text[:300]}")
    return int(answer.json()["row_count"])


def run(
    workdir: Path, *, seconds: float | None = None, rounds: int | None = None
) -> dict[str, Any]:
    """Start Redis and an API in `workdir`, drive it in rounds, return the figures."""
    each = seconds or float(os.environ.get("VAXSHARE_BENCH_API_SECONDS", "6"))
    n_rounds = rounds or int(os.environ.get("VAXSHARE_BENCH_API_ROUNDS", "3"))
    loads: dict[str, list[Load]] = {name: [] for name in ENDPOINTS}
    with running_stack(workdir, kafka=False) as stack:
        base, key = start_api(stack)
        rows = _check(base, key)
        headers = {"Authorization": f"Bearer {key}"}
        for path in ENDPOINTS.values():  # warm-up: connections, caches, first calls
            measure(base + path, headers, clients=CLIENTS, seconds=1)
        profile_out, sampler = workdir / "api.profile", None
        for n in range(n_rounds):
            for name, path in ENDPOINTS.items():
                if name == "json" and n == n_rounds - 1:
                    sampler = start_sampling(stack.pids[0], each, profile_out)
                loads[name].append(measure(base + path, headers, clients=CLIENTS, seconds=each))
        profile = summarise(profile_out, sampler)
        alone = measure(base + QUERY, headers, clients=1, seconds=each)
    figures: dict[str, Any] = {
        "clients": CLIENTS,
        "query": QUERY,
        "rows_per_answer": rows,
        "rounds": n_rounds,
        "seconds_per_run": each,
        "load_tool": loads["trivial"][0].tool,
    }
    for name, runs in loads.items():
        figures[f"{name}_requests_per_second"] = round(
            median([r.requests_per_second for r in runs])
        )
        figures[f"{name}_p50_ms"] = ms(median([r.p50_seconds for r in runs]))
        figures[f"{name}_p99_ms"] = ms(median([r.p99_seconds for r in runs]))
        figures[f"{name}_errors"] = sum(r.errors for r in runs)
    figures["json_one_client_p50_ms"] = ms(alone.p50_seconds)
    figures["json_one_client_p99_ms"] = ms(alone.p99_seconds)
    figures["json_one_client_requests_per_second"] = round(alone.requests_per_second, 1)
    trivial = figures["trivial_requests_per_second"]
    for name in ("json", "csv"):
        figures[f"{name}_vs_trivial"] = round(figures[f"{name}_requests_per_second"] / trivial, 3)
    figures["target_p99_ms"] = ms(TARGET_P99_SECONDS)
    figures["target_ratio"] = TARGET_RATIO
    figures["target_met"] = all(
        figures[f"{name}_p99_ms"] < ms(TARGET_P99_SECONDS)
        and figures[f"{name}_vs_trivial"] >= TARGET_RATIO
        for name in ("json", "csv")
    )
    figures["profile"] = profile
    return figures


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_api")
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        print(json.dumps(run(Path(tmp), seconds=args.seconds, rounds=args.rounds), indent=2))


if __name__ == "__main__":
    main()
