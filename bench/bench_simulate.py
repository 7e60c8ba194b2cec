"""Benchmark: the simulator writing a feed file end to end, in each format.

Runs ``python -m devtools.simulator.cli`` as its own process for North West London (the
default areas) at scale 1.0 (about 1.56 million records), writing JSON Lines, CSV and an Avro
container file in turn, a few times each. The rate is records written over the wall time of
the whole command (interpreter start, simulation, rendering and writing); the CPU seconds are
the process's own (with the Avro writer's compression threads). Target: at least 100,000
records/s for JSON Lines and CSV, so that benchmarks fed from a simulated file are never
limited by the simulator.

    python -m bench.bench_simulate [--scale 1.0] [--runs 3] [--formats jsonl csv avro]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measures import median

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("jsonl", "csv", "avro")
TARGET_RECORDS_PER_SECOND = 100_000
_WROTE = re.compile(r"wrote ([\d,]+) as")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def simulate_once(workdir: Path, fmt: str, scale: float) -> dict[str, float]:
    """One run of the simulator writing a file: records, wall and CPU seconds, bytes."""
    output = workdir / f"feed.{fmt}"
    output.unlink(missing_ok=True)  # truncating a large file would be timed too
    command = [sys.executable, "-m", "devtools.simulator.cli"]
    command += ["--scale", str(scale), "--format", fmt, "--output", str(output)]
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu
    found = _WROTE.search(done.stderr)
    if found is None:
        raise RuntimeError(f"the simulator did not say what it wrote: {done.stderr[-500:]}")
    written = int(found.group(1).replace(",", ""))
    size = output.stat().st_size
    output.unlink()
    return {"records": written, "wall_seconds": wall, "cpu_seconds": cpu, "bytes": size}


def measure(workdir: Path, *, scale: float, runs: int, formats: tuple[str, ...]) -> dict[str, Any]:
    """Median figures of each format over the runs (formats interleaved, run by run)."""
    samples: dict[str, list[dict[str, float]]] = {fmt: [] for fmt in formats}
    for _ in range(runs):
        for fmt in formats:
            samples[fmt].append(simulate_once(workdir, fmt, scale))
    figures: dict[str, Any] = {"scale": scale, "runs": runs}
    for fmt, runs_of_fmt in samples.items():
        wall = median([s["wall_seconds"] for s in runs_of_fmt])
        records = int(runs_of_fmt[0]["records"])
        figures[f"{fmt}_records"] = records
        figures[f"{fmt}_records_per_second"] = round(records / wall)
        figures[f"{fmt}_wall_seconds"] = round(wall, 2)
        figures[f"{fmt}_cpu_seconds"] = round(median([s["cpu_seconds"] for s in runs_of_fmt]), 2)
        figures[f"{fmt}_mib"] = round(runs_of_fmt[0]["bytes"] / 2**20, 1)
    text_rates = [
        figures[f"{fmt}_records_per_second"] for fmt in ("jsonl", "csv") if fmt in samples
    ]
    figures["target_records_per_second"] = TARGET_RECORDS_PER_SECOND
    figures["target_met"] = bool(text_rates) and min(text_rates) >= TARGET_RECORDS_PER_SECOND
    return figures


def run(workdir: Path) -> dict[str, Any]:
    """Entry point for ``bench/run.py``: every format at scale 1.0, three runs each."""
    scale = float(os.environ.get("VAXSHARE_BENCH_SIMULATE_SCALE", "1.0"))
    runs = int(os.environ.get("VAXSHARE_BENCH_SIMULATE_RUNS", "3"))
    return measure(workdir, scale=scale, runs=runs, formats=FORMATS)


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_simulate")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        figures = measure(Path(tmp), scale=args.scale, runs=args.runs, formats=tuple(args.formats))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
