"""`make bench`: run every benchmark, print its figures, record them with machine and date.

Each benchmark module has `run(workdir: Path) -> dict` returning its figures (medians of
several runs, ratios measured side by side in the same run). Results are written to
`bench/results/<date>-<host>.json` and the tables in `bench/README.md` and the project README are
rewritten.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench.results_table import rewrite_readme, table

HERE = Path(__file__).parent
BENCHES = (
    "bench.bench_aggregate",
    "bench.bench_ingest",
    "bench.bench_freshness",
    "bench.bench_replay",
    "bench.bench_replay_cluster",
    "bench.bench_release",
    "bench.bench_api",
    "bench.bench_disclosure",
    "bench.bench_simulate",
)


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in (
        "kafka-python",
        "confluent-kafka",
        "fastavro",
        "redis",
        "fastapi",
        "uvicorn",
        "numpy",
        "scipy",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return {
        "host": socket.gethostname(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": versions,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks (all by default) and record the results."""
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--only", nargs="*", help="benchmark module names to run")
    parser.add_argument(
        "--table", type=Path, help="only rewrite the README table from this results file"
    )
    args = parser.parse_args(argv)
    if args.table:
        for readme in (HERE / "README.md", HERE.parent / "README.md"):
            rewrite_readme(readme, json.loads(args.table.read_text()))
        return 0
    selected = [
        b for b in BENCHES if not args.only or b.rsplit(".", 1)[-1] in args.only or b in args.only
    ]
    results: dict[str, object] = {}
    for name in selected:
        module = importlib.import_module(name)
        print(f"== {name}", flush=True)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
            figures = module.run(Path(tmp))
        figures["elapsed_seconds"] = round(time.monotonic() - started, 1)
        results[name.rsplit(".", 1)[-1]] = figures
        print(json.dumps(figures, indent=2), flush=True)
    stamp = datetime.now(UTC)
    record = {"date": stamp.isoformat(timespec="seconds"), "machine": machine(), "results": results}
    # A partial run gets a file of its own, so it never overwrites the day's full run.
    part = "".join(f"-{name}" for name in results) if args.only else ""
    out = HERE / "results" / f"{stamp:%Y-%m-%d}-{socket.gethostname()}{part}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"results written to {out.relative_to(HERE.parent)}")
    if not args.only:  # a partial run would leave the table with rows missing
        for readme in (HERE / "README.md", HERE.parent / "README.md"):
            rewrite_readme(readme, record)
        print(table(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
