"""How many CPUs this process may keep busy: the CPUs it may run on, capped by its cgroup's
CPU quota (a container's or pod's CPU limit), not the node's core count.

`os.cpu_count()` counts the node's cores: a pod limited to 2 CPUs on a 64-core node would
start 64 workers and be throttled. The quota is read from cgroup v2 (`cpu.max` of the
process's cgroup and its ancestors) or cgroup v1 (`cpu.cfs_quota_us` / `cpu.cfs_period_us`);
a fractional quota is rounded up (1.5 CPUs: 2 workers, as the JVM does).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def available_cpus(*, root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """CPUs this process may use: its affinity, capped by its cgroup's CPU quota; at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    quota = cgroup_cpu_quota(root=root, proc_cgroup=proc_cgroup)
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)


def cgroup_cpu_quota(*, root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """The tightest CPU quota (in CPUs) over the process's cgroups, or None when unlimited."""
    quotas = [q for q in (*_v2_quotas(root, proc_cgroup), _v1_quota(root)) if q is not None]
    return min(quotas) if quotas else None


def _v2_quotas(root: Path, proc_cgroup: Path) -> list[float | None]:
    """`cpu.max` of the process's cgroup and every ancestor (cgroup v2)."""
    here = Path("/")
    for line in _read(proc_cgroup).splitlines():
        if line.startswith("0::"):
            here = Path(line[3:] or "/")
    found = []
    for directory in (here, *here.parents):
        text = _read(root / str(directory).lstrip("/") / "cpu.max").split()
        if len(text) == 2 and text[0] != "max":
            found.append(_ratio(text[0], text[1]))
    return found


def _v1_quota(root: Path) -> float | None:
    """`cpu.cfs_quota_us / cpu.cfs_period_us` of the cgroup v1 CPU controller (-1: none)."""
    for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        quota = _read(root / name / "cpu.cfs_quota_us").strip()
        period = _read(root / name / "cpu.cfs_period_us").strip()
        if quota and period and not quota.startswith("-"):
            return _ratio(quota, period)
    return None


def _ratio(quota: str, period: str) -> float | None:
    try:
        value = int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
