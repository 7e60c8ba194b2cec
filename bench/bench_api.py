"""Benchmark: the council API against a bare FastAPI app, side by side, under a native load.

A real API process (`vaxshare api`, one worker, INFO logging as deployed) on a local Redis
holding a published release (120 days, every default breakdown, North West London), and the
bare app of `bench.bare_api` under the same Python and uvicorn settings. wrk (one thread, 50
connections; installed from the OS packages when missing and running as root) drives, in each
round and one after the other: `/healthz` of both, then one borough's ethnic-group breakdown
of first doses as JSON and as CSV — from the API with a council key (auth, rate limit, scope,
release look-up, answer cache, audit log entry), from the bare app as the same bytes held in
memory. The key's rate limit is raised out of the way (`VAXSHARE_RATE_LIMIT_PER_MINUTE`) so
the limit's 429s are not what is measured; its check still runs. Figures are medians over
the rounds; ratios are taken within the same run.

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
from devtools.localstack import runner, servers
from devtools.simulator.simulator import NW_LONDON
from services.access.roles import Role
from services.platform.key_store import KeyStore

AREA = "E09000013"
CLIENTS = 50
DAYS = 120
QUERY = f"/v1/areas/{AREA}/vaccinations?breakdown=ethnic_group&dose=1"
ENDPOINTS = {
    "healthz": ("/healthz", "/healthz"),
    "json": (QUERY, "/answer.json"),
    "csv": (f"{QUERY}&format=csv", "/answer.csv"),
}
"""Each measure's path on the API and on the bare app."""
TARGET_HEALTHZ_RATIO = 0.8
TARGET_DATA_RATIO = 0.5
TARGET_P99_RATIO = 4.0


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
        VAXSHARE_LOG_LEVEL="INFO",  # the per-request log line is part of what is measured
        VAXSHARE_RATE_LIMIT_PER_MINUTE=str(10**9),  # the bench is one key at full speed
    )
    stack.start_service("api", ["api"], port=port, env=env)
    return f"http://127.0.0.1:{port}", key


def start_bare(stack: BenchStack, base: str, key: str) -> str:
    """Capture the API's answers, serve them from the bare app; return its base URL."""
    bodies = stack.workdir / "bare"
    bodies.mkdir()
    headers = {"Authorization": f"Bearer {key}"}
    for name in ("json", "csv"):
        answer = httpx.get(base + ENDPOINTS[name][0], headers=headers, timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"the API answered {answer.status_code}: {answer.text[:300]}")
        (bodies / f"answer.{name}").write_bytes(answer.content)
    port = servers.free_port()
    process = runner.start_service(
        "bare-api",
        ["-m", "bench.bare_api", "--port", str(port), "--bodies", str(bodies)],
        port=port,
        env={},
        run_dir=stack.workdir,
        ready_path="/healthz",
        timeout=60,
    )
    stack.pids.append(process.pid)
    return f"http://127.0.0.1:{port}"


def _summary(runs: list[Load]) -> dict[str, float]:
    return {
        "requests_per_second": round(median([r.requests_per_second for r in runs])),
        "p50_ms": ms(median([r.p50_seconds for r in runs])),
        "p99_ms": ms(median([r.p99_seconds for r in runs])),
        "errors": sum(r.errors for r in runs),
    }


def run(
    workdir: Path, *, seconds: float | None = None, rounds: int | None = None
) -> dict[str, Any]:
    """Start Redis, the API and the bare app in `workdir`, drive both in rounds."""
    each = seconds or float(os.environ.get("VAXSHARE_BENCH_API_SECONDS", "6"))
    n_rounds = rounds or int(os.environ.get("VAXSHARE_BENCH_API_ROUNDS", "3"))
    loads: dict[str, list[Load]] = {}
    with running_stack(workdir, kafka=False) as stack:
        base, key = start_api(stack)
        bare = start_bare(stack, base, key)
        api_pid = stack.pids[0]
        rows = int(json.loads((workdir / "bare" / "answer.json").read_bytes())["row_count"])
        headers = {"Authorization": f"Bearer {key}"}
        for api_path, bare_path in ENDPOINTS.values():  # warm-up: connections, caches
            measure(base + api_path, headers, clients=CLIENTS, seconds=1)
            measure(bare + bare_path, {}, clients=CLIENTS, seconds=1)
        for _ in range(n_rounds):
            for name, (api_path, bare_path) in ENDPOINTS.items():
                api = measure(base + api_path, headers, clients=CLIENTS, seconds=each)
                loads.setdefault(f"api_{name}", []).append(api)
                reference = measure(bare + bare_path, {}, clients=CLIENTS, seconds=each)
                loads.setdefault(f"bare_{name}", []).append(reference)
        # The profile is taken in a run of its own: the sampler takes CPU the rounds need.
        profile_out = workdir / "api.profile"
        sampler = start_sampling(api_pid, each, profile_out)
        measure(base + QUERY, headers, clients=CLIENTS, seconds=each)
        profile = summarise(profile_out, sampler)
        alone = measure(base + QUERY, headers, clients=1, seconds=each)
    figures: dict[str, Any] = {
        "clients": CLIENTS,
        "query": QUERY,
        "rows_per_answer": rows,
        "rounds": n_rounds,
        "seconds_per_run": each,
        "load_tool": loads["api_healthz"][0].tool,
    }
    for label, runs in loads.items():
        for measure_name, value in _summary(runs).items():
            figures[f"{label}_{measure_name}"] = value
    met = True
    for name in ENDPOINTS:
        ratio = figures[f"api_{name}_requests_per_second"] / max(
            1, figures[f"bare_{name}_requests_per_second"]
        )
        p99_ratio = figures[f"api_{name}_p99_ms"] / max(0.001, figures[f"bare_{name}_p99_ms"])
        figures[f"{name}_vs_bare"] = round(ratio, 3)
        figures[f"{name}_p99_vs_bare"] = round(p99_ratio, 2)
        if name == "healthz":
            met = met and ratio >= TARGET_HEALTHZ_RATIO
        else:
            met = met and ratio >= TARGET_DATA_RATIO and p99_ratio <= TARGET_P99_RATIO
    figures["json_one_client_p50_ms"] = ms(alone.p50_seconds)
    figures["json_one_client_p99_ms"] = ms(alone.p99_seconds)
    figures["targets"] = (
        f"healthz >= {TARGET_HEALTHZ_RATIO} x bare; JSON and CSV >= {TARGET_DATA_RATIO} x bare "
        f"with p99 <= {TARGET_P99_RATIO} x bare's"
    )
    figures["target_met"] = met
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
