"""HTTP load at a fixed concurrency: requests/s and latency percentiles of one URL.

`wrk` (C, event-driven) is used when installed, or installed from the OS packages when
running as root, so the load generator takes little of the CPU the server needs. Without it
a pool of Python client threads does the same, less efficiently (said in the result).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass

import httpx

from bench.measures import percentile

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True, slots=True)
class Load:
    """What one run of load measured."""

    requests_per_second: float
    p50_seconds: float
    p99_seconds: float
    errors: int
    tool: str


def wrk_binary() -> str | None:
    """wrk on PATH, installing the OS package when missing and running as root."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(install, env=env, capture_output=True)
    return shutil.which("wrk")


def measure(url: str, headers: dict[str, str], *, clients: int, seconds: float) -> Load:
    """Drive `url` with `clients` concurrent connections for `seconds`."""
    binary = wrk_binary()
    if binary is not None:
        return _wrk(binary, url, headers, clients=clients, seconds=seconds)
    return _threads(url, headers, clients=clients, seconds=seconds)


def _wrk(binary: str, url: str, headers: dict[str, str], *, clients: int, seconds: float) -> Load:
    cmd = [
        binary,
        "-t1",  # one thread, as the reference measurements: the server keeps the other core
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "30s",  # slow answers are measured, not dropped as errors
    ]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Load(rate, _wrk_latency(out, "50%"), _wrk_latency(out, "99%"), errors, "wrk")


def _wrk_latency(out: str, label: str) -> float:
    found = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no {label} latency:\n{out}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def _threads(url: str, headers: dict[str, str], *, clients: int, seconds: float) -> Load:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        mine: list[float] = []
        bad = 0
        with httpx.Client(timeout=30, headers=headers) as http:
            while time.perf_counter() < stop_at:
                sent = time.perf_counter()
                ok = http.get(url).status_code < 400
                mine.append(time.perf_counter() - sent)
                bad += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Load(
        len(latencies) / elapsed,
        percentile(latencies, 0.5),
        percentile(latencies, 0.99),
        errors[0],
        "python threads",
    )
