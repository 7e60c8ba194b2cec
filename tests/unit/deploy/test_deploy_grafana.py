"""The Grafana board: valid, laid out without overlaps, reading only metrics that exist."""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.unit.deploy.deploy_files import COMPOSE, DASHBOARD, GRAFANA_DIR, load_json, load_yaml
from tests.unit.deploy.metric_catalogue import known_metric_names
from tests.unit.deploy.promql_names import metric_names

# What the on-call operator needs to see (USERS.md, task 11), as the series that show it.
REQUIRED_SERIES = {
    "vaxshare_ingest_events_accepted_total": "pipeline throughput in",
    "vaxshare_aggregate_events_total": "pipeline throughput counted",
    "vaxshare_aggregate_consumer_lag_records": "consumer lag per partition",
    "vaxshare_aggregate_last_received_timestamp_seconds": "freshness per partition",
    "vaxshare_aggregate_dead_letters_total": "dead letters by reason",
    "vaxshare_aggregate_batch_duration_seconds_bucket": "aggregator batch latency",
    "vaxshare_aggregate_redis_errors_total": "Redis errors",
    "vaxshare_release_status": "release status",
    "vaxshare_api_release_age_seconds": "release age",
    "vaxshare_http_request_duration_seconds_bucket": "API latency",
    "vaxshare_http_requests_total": "API 5xx",
    "vaxshare_ingest_events_rejected_total": "ingest rejections by publisher",
    "vaxshare_aggregate_conflicting_duplicates_total": "reused event ids by publisher",
    "redis_memory_used_bytes": "Redis memory",
}


def _panels() -> list[dict[str, Any]]:
    return [p for p in load_json(DASHBOARD)["panels"] if p["type"] != "row"]


def _exprs() -> list[str]:
    dashboard = load_json(DASHBOARD)
    exprs = [t["expr"] for p in _panels() for t in p["targets"]]
    for variable in dashboard["templating"]["list"]:
        # Grafana's `label_values(<series selector>, <label>)`: the selector is PromQL.
        match = re.fullmatch(r"label_values\((.+),\s*\w+\)", variable["definition"])
        assert match, f"unexpected variable query {variable['definition']!r}"
        exprs.append(match.group(1))
    return exprs


def test_dashboard_reads_only_metrics_that_exist() -> None:
    for expr in _exprs():
        unknown = metric_names(expr) - known_metric_names()
        assert not unknown, f"{expr!r} reads metrics nobody exposes: {unknown}"


def test_dashboard_shows_what_the_on_call_operator_needs() -> None:
    used = set().union(*(metric_names(e) for e in _exprs()))
    missing = {why for series, why in REQUIRED_SERIES.items() if series not in used}
    assert not missing, f"nothing on the board shows: {missing}"


def test_http_panels_tell_the_services_apart_by_their_own_label_not_the_scrape_job() -> None:
    http = [t["expr"] for p in _panels() for t in p["targets"] if "vaxshare_http" in t["expr"]]
    assert http
    for expr in http:
        assert not re.search(r"\bjob\b", expr) and "service" in expr, expr
    (variable,) = load_json(DASHBOARD)["templating"]["list"]
    assert variable["definition"] == "label_values(vaxshare_http_requests_total, service)"


def test_freshness_is_measured_from_when_the_ingest_received_the_record() -> None:
    (freshness,) = [p for p in _panels() if p["title"].startswith("Freshness")]
    (target,) = freshness["targets"]
    assert "vaxshare_aggregate_last_received_timestamp_seconds" in target["expr"]


def test_api_latency_has_median_and_tail_by_route() -> None:
    latency = [
        t["expr"]
        for p in _panels()
        for t in p["targets"]
        if "vaxshare_http_request_duration_seconds_bucket" in t["expr"]
    ]
    for quantile in ("0.5", "0.95", "0.99"):
        assert any(
            e.startswith(f"histogram_quantile({quantile},") and "route" in e for e in latency
        ), f"no p{quantile} latency by route"


def test_every_panel_has_a_query_and_a_unique_id() -> None:
    panels = load_json(DASHBOARD)["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    for panel in _panels():
        assert panel["title"] and panel["targets"], panel
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)) and all(t["expr"] for t in panel["targets"])


def test_panels_do_not_overlap_and_fit_the_grid() -> None:
    boxes = [p["gridPos"] for p in load_json(DASHBOARD)["panels"]]
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["w"] <= 24
    for a, b in itertools.combinations(boxes, 2):
        apart = (
            a["x"] + a["w"] <= b["x"]
            or b["x"] + b["w"] <= a["x"]
            or a["y"] + a["h"] <= b["y"]
            or b["y"] + b["h"] <= a["y"]
        )
        assert apart, f"panels overlap: {a} {b}"


def test_panels_use_the_provisioned_prometheus() -> None:
    sources = load_yaml(GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml")
    (source,) = sources["datasources"]
    assert source["url"] == "http://prometheus:9090"
    assert "prometheus" in load_yaml(COMPOSE)["services"]
    for panel in _panels():
        assert panel["datasource"]["uid"] == source["uid"]
        assert all(t["datasource"]["uid"] == source["uid"] for t in panel["targets"])


def test_dashboard_provider_reads_the_folder_compose_mounts() -> None:
    providers = load_yaml(GRAFANA_DIR / "provisioning" / "dashboards" / "vaxshare.yml")
    (provider,) = providers["providers"]
    mounts = load_yaml(COMPOSE)["services"]["grafana"]["volumes"]
    target = next(m.split(":")[1] for m in mounts if m.startswith("./deploy/grafana/dashboards"))
    assert provider["options"]["path"] == target
