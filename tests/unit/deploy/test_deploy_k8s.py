"""Kubernetes manifests: probes, resources, disruption budgets, secrets kept out of the repo."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.deploy.deploy_files import K8S_DIR, load_yaml, load_yaml_all

DEPLOYMENTS = ("vaxshare-ingest", "vaxshare-aggregate", "vaxshare-api")


def _resources() -> list[dict[str, Any]]:
    kustomization = load_yaml(K8S_DIR / "kustomization.yaml")
    docs = []
    for name in kustomization["resources"]:
        docs += load_yaml_all(K8S_DIR / name)
    return docs


def _of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _resources() if d["kind"] == kind}


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _config() -> dict[str, str]:
    config: dict[str, str] = _of_kind("ConfigMap")["vaxshare-config"]["data"]
    return config


def _port(container: dict[str, Any], name_or_number: str | int) -> int:
    for port in container["ports"]:
        if name_or_number in (port["name"], port["containerPort"]):
            return int(port["containerPort"])
    raise AssertionError(f"{container['name']} has no port {name_or_number}")


def test_kustomization_lists_every_manifest() -> None:
    listed = set(load_yaml(K8S_DIR / "kustomization.yaml")["resources"])
    on_disk = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


def test_no_secret_is_committed() -> None:
    assert not _of_kind("Secret"), "secrets are created out of band, never committed"


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_deployment_is_probed_on_its_own_port(name: str) -> None:
    container = _container(_of_kind("Deployment")[name])
    ready, live = container["readinessProbe"]["httpGet"], container["livenessProbe"]["httpGet"]
    assert ready["path"] == "/readyz" and live["path"] == "/healthz"
    assert _port(container, ready["port"]) == _port(container, live["port"])


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_deployment_listens_where_its_settings_say(name: str) -> None:
    container = _container(_of_kind("Deployment")[name])
    port_setting = {
        "vaxshare-ingest": "VAXSHARE_INGEST_PORT",
        "vaxshare-aggregate": "VAXSHARE_AGGREGATE_METRICS_PORT",
        "vaxshare-api": "VAXSHARE_API_PORT",
    }[name]
    assert int(_config()[port_setting]) == container["ports"][0]["containerPort"]
    annotations = _of_kind("Deployment")[name]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == container["ports"][0]["containerPort"]
    assert annotations["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_deployment_has_resources_config_and_runs_locked_down(name: str) -> None:
    deployment = _of_kind("Deployment")[name]
    container = _container(deployment)
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind])
    assert {"configMapRef": {"name": "vaxshare-config"}} in container["envFrom"]
    assert container["args"][0] == "vaxshare"
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_only_the_ingest_gets_the_pseudonymisation_key_from_a_secret() -> None:
    workloads = {**_of_kind("Deployment"), **_of_kind("Job")}
    assert len(workloads) == 5
    for name, deployment in workloads.items():
        env = {e["name"]: e for e in _container(deployment).get("env", [])}
        if name == "vaxshare-ingest":
            ref = env["VAXSHARE_PSEUDONYM_KEY"]["valueFrom"]["secretKeyRef"]
            assert ref["name"] == "vaxshare-pseudonym-key"
        else:
            assert "VAXSHARE_PSEUDONYM_KEY" not in env
    assert not any("PSEUDONYM" in key for key in _config()), "the key must not be in a ConfigMap"


def test_the_aggregators_metrics_are_served_where_prometheus_scrapes_them() -> None:
    # The aggregator binds 127.0.0.1 unless told otherwise; in a pod Prometheus comes from
    # another address.
    assert _config()["VAXSHARE_AGGREGATE_METRICS_HOST"] == "0.0.0.0"


def test_aggregators_are_several_but_no_more_than_the_partitions() -> None:
    replicas = _of_kind("Deployment")["vaxshare-aggregate"]["spec"]["replicas"]
    assert replicas == 3
    assert replicas <= int(_config()["VAXSHARE_EVENTS_PARTITIONS"])


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_every_deployment_has_a_disruption_budget_that_selects_it(name: str) -> None:
    deployment = _of_kind("Deployment")[name]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    budgets = [
        pdb
        for pdb in _of_kind("PodDisruptionBudget").values()
        if pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    ]
    assert len(budgets) == 1
    spec = budgets[0]["spec"]
    # A budget that allows no disruption at all would block node drains for ever.
    if "minAvailable" in spec:
        assert spec["minAvailable"] < deployment["spec"]["replicas"]
    else:
        assert spec["maxUnavailable"] >= 1


def test_services_reach_the_pods_they_name() -> None:
    deployments = _of_kind("Deployment")
    services = _of_kind("Service")
    expected = {
        "vaxshare-ingest": "vaxshare-ingest",
        "vaxshare-api": "vaxshare-api",
        "vaxshare-aggregate-metrics": "vaxshare-aggregate",
    }
    assert set(services) == set(expected)
    for service_name, deployment_name in expected.items():
        service = services[service_name]
        deployment = deployments[deployment_name]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        container = _container(deployment)
        for port in service["spec"]["ports"]:
            _port(container, port["targetPort"])
    assert services["vaxshare-aggregate-metrics"]["spec"]["clusterIP"] == "None"


def test_every_workload_logs_in_with_credentials_from_its_own_secret() -> None:
    workloads = {**_of_kind("Deployment"), **_of_kind("Job")}
    for name, workload in workloads.items():
        env = {e["name"]: e for e in _container(workload).get("env", [])}
        secrets = set()
        for variable in ("VAXSHARE_REDIS_USERNAME", "VAXSHARE_REDIS_PASSWORD"):
            secrets.add(env[variable]["valueFrom"]["secretKeyRef"]["name"])
        if name != "vaxshare-api":
            for variable in ("VAXSHARE_KAFKA_USERNAME", "VAXSHARE_KAFKA_PASSWORD"):
                secrets.add(env[variable]["valueFrom"]["secretKeyRef"]["name"])
            mounts = {m["name"] for m in _container(workload)["volumeMounts"]}
            assert "kafka-ca" in mounts, f"{name} cannot check the brokers' certificate"
        assert len(secrets) == 1 and secrets.pop().endswith("-credentials"), name
    assert not any("PASSWORD" in key for key in _config()), "no password in a ConfigMap"
