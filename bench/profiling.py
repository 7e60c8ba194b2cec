"""Sample a running service with py-spy and summarise where its time goes.

The service runs as it does in production (its own process, all threads); py-spy samples its
stacks from outside, so the profile does not slow the code it measures. The summary gives
the top functions by own time (the leaf frame of each sample) and by inclusive time (any
frame of the sample), each as a share of all samples.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

IDLE_FRAMES = (
    "select (selectors.py",
    "poll (selectors.py",
    "wait (threading.py",
    "_worker (concurrent/futures/thread.py",
    "run_forever (asyncio",
    "_run_once (asyncio",
)


def py_spy() -> str | None:
    """The py-spy executable next to this interpreter, or on PATH; None when missing."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_sampling(
    pid: int, seconds: float | None, out: Path, *, rate: int = 200
) -> subprocess.Popen[bytes] | None:
    """Start py-spy on `pid` (collapsed stacks to `out`) for `seconds`, or until `summarise`.

    Returns None when py-spy is not installed; the benchmark then reports no profile.
    """
    binary = py_spy()
    if binary is None:
        return None
    cmd = [
        binary, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw",
        "--output", str(out), "--nonblocking",
    ]  # fmt: skip
    if seconds is not None:
        cmd += ["--duration", str(max(1, round(seconds)))]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise(out: Path, sampler: subprocess.Popen[bytes] | None, top: int = 12) -> dict:
    """Stop the sampler (if still running) and summarise its samples (busy threads only)."""
    if sampler is None:
        return {"skipped": "py-spy is not installed"}
    if sampler.poll() is None:
        sampler.send_signal(signal.SIGINT)  # py-spy writes what it has on Ctrl-C
    sampler.wait(timeout=120)
    if not out.exists():
        return {"skipped": f"py-spy wrote no profile (exit {sampler.returncode})"}
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in out.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";")[1:]]  # the first frame is the thread
        if not frames or any(idle in frames[-1] for idle in IDLE_FRAMES):
            continue
        count = int(count_text)
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return {"skipped": "no busy samples"}
    return {
        "busy_samples": total,
        "top_own": [[f, round(n / total, 3)] for f, n in own.most_common(top)],
        "top_inclusive": [
            [f, round(n / total, 3)] for f, n in inclusive.most_common(top * 4) if not _plumbing(f)
        ][:top],
    }


def _short(frame: str) -> str:
    """`func (path/to/module.py:12)` -> `func (module.py)`: readable and stable across runs."""
    name, _, where = frame.partition(" (")
    module = where.rsplit("/", 1)[-1].split(":", 1)[0].rstrip(")")
    return f"{name} ({module})"


def _plumbing(frame: str) -> bool:
    """Frames every sample shares (thread start, event loop), which say nothing."""
    return any(
        word in frame
        for word in ("_bootstrap", "threading.py", "thread.py", "<module>", "runpy.py", "run (")
    )
