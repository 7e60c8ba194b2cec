"""Prometheus configuration, alert rules and their unit tests, checked by Prometheus's own promtool.

Also home of `check_metrics`, which other tests use to lint a service's /metrics text.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from services.aggregate.metrics import AggregateMetrics
from services.api.metrics import ApiMetrics
from services.ingest.metrics import IngestMetrics

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
RULE_TEST_FILES = ("alerts_test.yml", "alerts_clock_test.yml")


@functools.cache
def find_promtool() -> str | None:
    """Path of promtool, installing the Debian `prometheus` package when that is possible."""
    found = shutil.which("promtool")
    if found or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # The package also installs a Prometheus system service; nothing here starts it.
    install = ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", "prometheus"]

    def run(command: list[str]) -> bool:
        done = subprocess.run(command, env=env, capture_output=True, check=False, timeout=900)
        return done.returncode == 0

    # Package lists may be missing or stale on a fresh machine: update once and retry.
    if not run(install):
        run(["apt-get", "update", "-qq"])
        run(install)
    return shutil.which("promtool")


def _promtool() -> str:
    path = find_promtool()
    if path is None:
        pytest.skip(
            "promtool is missing and could not be installed (needs root and apt-get: "
            "`apt-get install prometheus`)"
        )
    return path


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_promtool(), *args],
        cwd=PROMETHEUS_DIR,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def check_metrics(exposition: str) -> list[str]:
    """promtool's complaints about a Prometheus text exposition; empty when it is clean."""
    result = _run("check", "metrics", stdin=exposition)
    if result.returncode == 0:
        return []
    lines = (result.stdout + result.stderr).splitlines()
    return [line.strip() for line in lines if line.strip()] or [f"exit {result.returncode}"]


def test_prometheus_config_is_valid_and_finds_the_rules() -> None:
    result = _run("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_alert_rules_are_valid() -> None:
    result = _run("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("test_file", RULE_TEST_FILES)
def test_alerts_fire_when_they_should_and_stay_silent_otherwise(test_file: str) -> None:
    result = _run("test", "rules", test_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rule_tests_catch_a_wrong_threshold(tmp_path: Path) -> None:
    """The unit tests are not vacuous: a Redis alert at 95% instead of 85% fails them."""
    tests = yaml.safe_load((PROMETHEUS_DIR / "alerts_test.yml").read_text())
    tests["tests"] = [
        group
        for group in tests["tests"]
        if any(c["alertname"] == "RedisMemoryNearLimit" for c in group["alert_rule_test"])
    ]
    assert tests["tests"], "alerts_test.yml has no RedisMemoryNearLimit cases"
    (tmp_path / "alerts_test.yml").write_text(yaml.safe_dump(tests))
    rules = (PROMETHEUS_DIR / "alerts.yml").read_text()
    assert "(redis_memory_max_bytes > 0) > 0.85" in rules
    weakened = rules.replace(
        "(redis_memory_max_bytes > 0) > 0.85", "(redis_memory_max_bytes > 0) > 0.95"
    )
    (tmp_path / "alerts.yml").write_text(weakened)
    result = subprocess.run(
        [_promtool(), "test", "rules", "alerts_test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode != 0
    assert "RedisMemoryNearLimit" in result.stdout + result.stderr


def test_check_metrics_accepts_a_clean_exposition() -> None:
    registry = CollectorRegistry()
    Counter(
        "vaxshare_ingest_events_rejected_total",
        "Events rejected, by reason",
        ["publisher", "reason"],
        registry=registry,
    ).labels("gp-system", "invalid_nhs_number").inc()
    Histogram(
        "vaxshare_ingest_produce_latency_seconds",
        "Time until Kafka acknowledged",
        registry=registry,
    ).observe(0.02)
    assert check_metrics(generate_latest(registry).decode()) == []


@pytest.mark.parametrize(
    ("exposition", "complaint"),
    [
        ("# TYPE requests counter\nrequests 1\n", '"_total" suffix'),
        ('# HELP up_total Up.\n# TYPE up_total counter\nup_total{job="x" 1\n', "parsing error"),
    ],
    ids=["lint", "syntax"],
)
def test_check_metrics_rejects_a_bad_exposition(exposition: str, complaint: str) -> None:
    problems = check_metrics(exposition)
    assert problems
    assert any(complaint in problem for problem in problems), problems


@pytest.mark.parametrize("service_metrics", [IngestMetrics, AggregateMetrics, ApiMetrics])
def test_service_metrics_pass_promtool_lint(service_metrics: type) -> None:
    assert check_metrics(generate_latest(service_metrics().registry).decode()) == []
