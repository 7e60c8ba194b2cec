"""`VAXSHARE_RELEASE_WORKERS` defaults to the CPUs this process may use, not the node's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.platform.cpus import available_cpus, cgroup_cpu_quota

REPO = Path(__file__).resolve().parents[3]


def _tree(tmp_path: Path, files: dict[str, str], own: str = "/") -> dict[str, Path]:
    root = tmp_path / "cgroup"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    proc = tmp_path / "proc-cgroup"
    proc.write_text(f"0::{own}\n")
    return {"root": root, "proc_cgroup": proc}


def test_a_cgroup_v2_limit_of_a_pod_caps_the_workers(tmp_path: Path) -> None:
    where = _tree(
        tmp_path,
        {
            "cpu.max": "max 100000\n",
            "kubepods/cpu.max": "max 100000\n",
            "kubepods/pod7/cpu.max": "150000 100000\n",
            "kubepods/pod7/app/cpu.max": "max 100000\n",
        },
        own="/kubepods/pod7/app",
    )
    assert cgroup_cpu_quota(**where) == 1.5
    assert available_cpus(**where) == min(2, len(os.sched_getaffinity(0)))


def test_a_container_namespace_sees_its_own_limit_at_the_root(tmp_path: Path) -> None:
    where = _tree(tmp_path, {"cpu.max": "50000 100000\n"})
    assert available_cpus(**where) == 1


def test_a_cgroup_v1_quota_caps_the_workers_and_minus_one_means_none(tmp_path: Path) -> None:
    limited = _tree(
        tmp_path / "a",
        {"cpu,cpuacct/cpu.cfs_quota_us": "100000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"},
    )
    assert available_cpus(**limited) == 1
    free = _tree(
        tmp_path / "b", {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}
    )
    assert cgroup_cpu_quota(**free) is None
    assert available_cpus(**free) == len(os.sched_getaffinity(0))


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to pin to one")
def test_release_workers_default_to_the_cpus_the_process_may_run_on() -> None:
    env = {k: v for k, v in os.environ.items() if k != "VAXSHARE_RELEASE_WORKERS"}
    env |= {
        "VAXSHARE_REDIS_USERNAME": "release",
        "VAXSHARE_REDIS_PASSWORD": "unused",
        "VAXSHARE_KAFKA_USERNAME": "release",
        "VAXSHARE_KAFKA_PASSWORD": "unused",
    }
    code = (
        "from services.release.settings import ReleaseSettings; "
        "print(ReleaseSettings().release_workers)"
    )
    pinned = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}),
        timeout=60,
    )
    assert pinned.stdout.strip() == "1"
