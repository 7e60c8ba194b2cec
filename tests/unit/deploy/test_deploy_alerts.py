"""Alert rules: full annotations, a runbook section each, tests that fire and stay silent."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.deploy.deploy_files import (
    ALERT_TESTS,
    ALERTS,
    COMPOSE,
    OPERATIONS,
    PROMETHEUS_DIR,
    alert_rules,
    load_yaml,
    markdown_anchors,
    recorded_names,
)
from tests.unit.deploy.metric_catalogue import known_metric_names
from tests.unit.deploy.promql_names import metric_names

# What operators asked to be woken or ticketed for (USERS.md, operators' tasks).
REQUIRED_ALERTS = {
    "ConsumerLagGrowing",
    "NoEventsCounted",
    "DeadLetterRateHigh",
    "ReleaseStale",
    "ReleaseHeld",
    "HttpServerErrors",
    "RedisMemoryNearLimit",
    "ServiceDown",
    "ConflictingDuplicates",
    "AggregatorHalted",
    "IngestRejectionRateHigh",
}
# An absolute link: the base from Prometheus's external label, a reserved host while unset.
RUNBOOK_URL = re.compile(
    r'\{\{ or \$externalLabels\.runbook_base_url "(https://[^"]+)" \}\}#([a-z0-9-]+)'
)


def test_every_required_alert_exists_once() -> None:
    names = [rule["alert"] for rule in alert_rules()]
    assert sorted(names) == sorted(set(names)), "an alert name is used twice"
    assert set(names) >= REQUIRED_ALERTS


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_alert_tells_the_operator_what_happened_and_where_the_runbook_is(rule: dict) -> None:
    annotations = rule["annotations"]
    assert annotations["summary"].strip() and annotations["description"].strip()
    assert rule["labels"]["severity"] in {"page", "ticket"}
    url = annotations["runbook_url"]
    match = RUNBOOK_URL.fullmatch(url)
    assert match, f"{url} is not an absolute link to a section of the runbook"
    assert match.group(1) == "https://vaxshare.invalid/docs/operations.md"
    assert match.group(2) in markdown_anchors(OPERATIONS), f"no runbook section for {url}"


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_alert_does_not_read_the_job_label_kubernetes_scraping_does_not_set_per_service(
    rule: dict,
) -> None:
    assert not re.search(r"\bjob\b", rule["expr"]), rule["expr"]


def test_prometheus_takes_the_runbook_base_from_the_environment() -> None:
    config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    assert config["global"]["external_labels"]["runbook_base_url"] == "${RUNBOOK_BASE_URL}"
    prometheus = load_yaml(COMPOSE)["services"]["prometheus"]
    assert "--enable-feature=expand-external-labels" in prometheus["command"]
    value = prometheus["environment"]["RUNBOOK_BASE_URL"]
    assert re.fullmatch(r"\$\{RUNBOOK_BASE_URL:\?[^}]+\}", value), value


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_alert_reads_only_metrics_that_exist(rule: dict) -> None:
    unknown = metric_names(rule["expr"]) - known_metric_names() - recorded_names()
    assert not unknown, f"{rule['alert']} reads metrics nobody exposes: {unknown}"


def _alert_test_cases() -> dict[str, list[bool]]:
    """For each alert: one entry per test case, True when the case expects it to fire."""
    cases: dict[str, list[bool]] = {}
    for path in ALERT_TESTS:
        for group in load_yaml(path)["tests"]:
            for case in group.get("alert_rule_test", []):
                cases.setdefault(case["alertname"], []).append(bool(case.get("exp_alerts")))
    return cases


def test_every_alert_is_tested_firing_and_silent() -> None:
    cases = _alert_test_cases()
    for rule in alert_rules():
        outcomes = cases.get(rule["alert"], [])
        assert True in outcomes, f"no test where {rule['alert']} fires"
        assert False in outcomes, f"no test where {rule['alert']} stays silent"


def test_alert_tests_load_the_alert_rules() -> None:
    for path in ALERT_TESTS:
        files = load_yaml(path)["rule_files"]
        assert [(PROMETHEUS_DIR / f).resolve() for f in files] == [ALERTS.resolve()]


def test_prometheus_scrapes_every_service_and_loads_the_alerts() -> None:
    config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert {"ingest", "aggregate", "api", "redis"} <= jobs
    assert [(PROMETHEUS_DIR / f).resolve() for f in config["rule_files"]] == [ALERTS.resolve()]


_names = st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True).filter(
    lambda n: (
        n not in {"and", "or", "unless", "by", "bool", "on", "offset", "without", "inf", "nan"}
    )
)


@given(metric=_names, label=_names, other=_names)
def test_metric_names_finds_selected_series_and_nothing_else(
    metric: str, label: str, other: str
) -> None:
    expr = (
        f'sum by ({label}) (rate({metric}{{{label}="{other}"}}[5m])) '
        f"/ on() group_left() max({other} offset 1h) > 0.5"
    )
    assert metric_names(expr) == {metric, other}
