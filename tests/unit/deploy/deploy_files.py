"""Paths of the deployment files and loaders for them, shared by the deploy tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
COMPOSE_REDIS_CLUSTER = ROOT / "deploy" / "compose.redis-cluster.yml"  # override: the option
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
ALERTS = PROMETHEUS_DIR / "alerts.yml"
ALERT_TESTS = (PROMETHEUS_DIR / "alerts_test.yml", PROMETHEUS_DIR / "alerts_clock_test.yml")
GRAFANA_DIR = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA_DIR / "dashboards" / "vaxshare.json"
K8S_DIR = ROOT / "deploy" / "k8s"
OPERATIONS = ROOT / "docs" / "operations.md"


def load_yaml(path: Path) -> Any:
    """One YAML document."""
    return yaml.safe_load(path.read_text())


def load_yaml_all(path: Path) -> list[Any]:
    """Every non-empty document of a multi-document YAML file."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def load_json(path: Path) -> Any:
    """One JSON document."""
    return json.loads(path.read_text())


def alert_rules() -> list[dict[str, Any]]:
    """Every alerting rule of alerts.yml."""
    groups = load_yaml(ALERTS)["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def recorded_names() -> set[str]:
    """The series names the recording rules of alerts.yml produce."""
    groups = load_yaml(ALERTS)["groups"]
    return {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}


def markdown_anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors = set()
    in_code = False
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        heading = None if in_code else re.match(r"#{1,6}\s+(.*)", line)
        if heading:
            text = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower())
            anchors.add(text.replace(" ", "-"))
    return anchors
