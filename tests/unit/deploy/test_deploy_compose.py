"""docker-compose.yml and the Dockerfile: start order, health, secrets, durable Redis."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from services.cli import COMMANDS
from services.platform.redis_acls import key_patterns
from tests.unit.deploy.deploy_files import (
    COMPOSE,
    COMPOSE_REDIS_CLUSTER,
    DOCKERFILE,
    DOCKERIGNORE,
    ROOT,
    load_yaml,
)

APP_SERVICES = ("ingest", "aggregate", "api")


def _services() -> dict[str, Any]:
    services: dict[str, Any] = load_yaml(COMPOSE)["services"]
    return services


def _one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else list(command)


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, service in _services().items():
        if _one_shot(service):
            continue
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name}: no healthcheck"


def test_services_start_only_after_what_they_need_is_healthy() -> None:
    services = _services()
    for name, service in services.items():
        for needed, how in service.get("depends_on", {}).items():
            assert needed in services, f"{name} depends on unknown service {needed}"
            condition = how["condition"]
            if _one_shot(services[needed]):
                assert condition == "service_completed_successfully", f"{name} -> {needed}"
            elif name not in ("prometheus",):
                assert condition == "service_healthy", f"{name} -> {needed}: {condition}"
    for name in APP_SERVICES:
        needs = set(services[name]["depends_on"])
        assert "redis" in needs, f"{name} starts before Redis is healthy"
    for name in ("ingest", "aggregate"):
        assert "topics" in services[name]["depends_on"], f"{name} starts before the topics exist"
    assert services["kafka-acls"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    acls = services["topics"]["depends_on"]["kafka-acls"]["condition"]
    assert acls == "service_completed_successfully", "topics are made once the ACLs exist"


def test_two_aggregators_share_the_consumer_group() -> None:
    aggregate = _services()["aggregate"]
    assert aggregate["deploy"]["replicas"] == 2
    assert _command(aggregate) == ["vaxshare", "aggregate", "run"]
    assert "ports" not in aggregate, "a published host port would stop a second replica"


def test_services_run_commands_the_cli_has() -> None:
    for name, service in _services().items():
        if service.get("image", "").startswith("vaxshare"):
            command = _command(service)
            assert command[0] == "vaxshare" and command[1] in COMMANDS, f"{name}: {command}"


def test_pseudonym_key_is_required_and_given_to_the_ingest_only() -> None:
    for name, service in _services().items():
        env = service.get("environment", {})
        if name == "ingest":
            value = env["VAXSHARE_PSEUDONYM_KEY"]
            # `${VAR:?message}`: compose refuses to start when it is unset or empty.
            assert re.fullmatch(r"\$\{VAXSHARE_PSEUDONYM_KEY:\?[^}]+\}", value), value
        else:
            assert "VAXSHARE_PSEUDONYM_KEY" not in env, f"{name} must not see the key"


def test_no_secret_has_a_default_in_the_compose_file() -> None:
    text = COMPOSE.read_text()
    for secret in ("VAXSHARE_PSEUDONYM_KEY", "GRAFANA_ADMIN_PASSWORD"):
        assert not re.search(rf"\$\{{{secret}:?-", text), f"{secret} has a default"


def test_redis_is_durable_and_never_evicts_counts() -> None:
    redis = _services()["redis"]
    assert redis["image"].startswith("redis:7")
    args = " ".join(str(a) for a in _command(redis))
    assert "--appendonly yes" in args
    assert "--appendfsync everysec" in args
    assert "--maxmemory-policy noeviction" in args
    assert any(v.endswith(":/data") for v in redis["volumes"])


def _kafka_properties() -> dict[str, str]:
    lines = (ROOT / "deploy" / "kafka" / "server.properties").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {key: value for key, value in pairs}


def test_kafka_is_one_kraft_node_of_the_official_image() -> None:
    kafka = _services()["kafka"]
    config = _kafka_properties()
    assert kafka["image"] == "apache/kafka:4.3.1"
    assert "./deploy/kafka:/etc/vaxshare:ro" in kafka["volumes"]
    assert config["process.roles"] == "broker,controller"
    assert config["auto.create.topics.enable"] == "false"
    assert config["advertised.listeners"].startswith("CLIENTS://kafka:9092")
    assert _services()["ingest"]["environment"]["VAXSHARE_KAFKA_BOOTSTRAP"] == "kafka:9092"


def test_kafka_authenticates_every_client_and_authorises_by_acl() -> None:
    config = _kafka_properties()
    protocols = dict(p.split(":") for p in config["listener.security.protocol.map"].split(","))
    assert protocols == {"CLIENTS": "SASL_SSL", "CONTROLLER": "SSL"}
    assert config["listener.name.controller.ssl.client.auth"] == "required"
    assert config["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert config["authorizer.class.name"].endswith("StandardAuthorizer")
    assert config["allow.everyone.if.no.acl.found"] == "false"
    assert (
        'password="${env:KAFKA_ADMIN_PASSWORD}"'
        in config["listener.name.clients.scram-sha-512.sasl.jaas.config"]
    )


def test_each_service_logs_in_as_itself_with_a_password_from_the_environment() -> None:
    services = _services()
    expected = {"ingest": "ingest", "aggregate": "aggregate", "api": "api", "topics": "operator"}
    for name, user in expected.items():
        env = services[name]["environment"]
        assert env["VAXSHARE_REDIS_USERNAME"] == user
        assert re.fullmatch(
            rf"\$\{{REDIS_{user.upper()}_PASSWORD:\?[^}}]+\}}", env["VAXSHARE_REDIS_PASSWORD"]
        )
        if name != "api":
            assert env["VAXSHARE_KAFKA_USERNAME"] == user
            password = env["VAXSHARE_KAFKA_PASSWORD"]
            assert re.fullmatch(rf"\$\{{KAFKA_{user.upper()}_PASSWORD:\?[^}}]+\}}", password)
        else:
            assert "VAXSHARE_KAFKA_PASSWORD" not in env, "the council API never talks to Kafka"


@pytest.mark.parametrize(
    ("compose", "node"),
    [
        (COMPOSE, "redis"),
        (COMPOSE_REDIS_CLUSTER, "redis"),
        (COMPOSE_REDIS_CLUSTER, "redis-2"),
        (COMPOSE_REDIS_CLUSTER, "redis-3"),
    ],
)
def test_redis_has_the_acl_users_of_the_code_and_no_default_user(compose: Path, node: str) -> None:
    args = _command(load_yaml(compose)["services"][node])
    users = [args[i + 1] for i, arg in enumerate(args) if arg == "--user"]
    assert users[0].startswith("default off")
    by_name = {u.split()[0]: u for u in users}
    for user, patterns in key_patterns("vaxshare").items():
        assert f" {patterns} " in by_name[user], f"{user}: not the ACL of redis_acls.py"
        assert ">${REDIS_" in by_name[user] and "-@dangerous" in by_name[user]


def test_the_cluster_option_makes_every_service_a_cluster_client_once_the_cluster_is_made() -> None:
    base, cluster = _services(), load_yaml(COMPOSE_REDIS_CLUSTER)["services"]
    on_redis = [n for n, s in base.items() if "VAXSHARE_REDIS_USERNAME" in s.get("environment", {})]
    assert on_redis, "no service logs in to Redis"
    for name in on_redis:
        assert cluster[name]["environment"]["VAXSHARE_REDIS_CLUSTER"] == "true", name
    nodes = [n for n, s in cluster.items() if "--cluster-enabled" in _command(s)]
    assert sorted(nodes) == ["redis", "redis-2", "redis-3"]
    create = " ".join(_command(cluster["redis-cluster-init"]))
    assert "--cluster create" in create and all(f"getent hosts {n} " in create for n in nodes)


def test_app_services_listen_on_every_interface_of_their_container() -> None:
    services = _services()
    assert services["ingest"]["environment"]["VAXSHARE_INGEST_HOST"] == "0.0.0.0"
    assert services["api"]["environment"]["VAXSHARE_API_HOST"] == "0.0.0.0"
    assert services["aggregate"]["environment"]["VAXSHARE_AGGREGATE_METRICS_HOST"] == "0.0.0.0"


def test_mounted_configuration_exists_in_the_repository() -> None:
    for name, service in _services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./secrets"):  # made by deploy/make-secrets.sh, never committed
                assert source.split("/")[2:] in ([], ["ca.pem"]), source
            elif source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_prometheus_and_grafana_are_provisioned_from_deploy() -> None:
    services = _services()
    assert "./deploy/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    grafana_mounts = services["grafana"]["volumes"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana_mounts
    assert "./deploy/grafana/dashboards:/etc/grafana/dashboards:ro" in grafana_mounts


def test_dockerfile_builds_one_non_root_image_running_the_api_by_default() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    assert re.search(r"pip install .*\s\.\s", text)
    user = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert user and not user[-1].startswith(("root", "0")), "the image must not run as root"
    assert text.strip().splitlines()[-1] == 'CMD ["vaxshare", "api"]'


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    lines = [line for line in DOCKERIGNORE.read_text().splitlines() if line and line[0] != "#"]
    assert lines[0] == "*", "ignore everything, then list what the build needs"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {"pyproject.toml", "requirements.lock", "README.md", "services"}


def _docker_compose_works() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


def test_docker_compose_accepts_the_file_and_refuses_to_start_without_the_key() -> None:
    if not _docker_compose_works():
        pytest.skip("`docker compose` is not available here; the YAML checks above still ran")
    env = {
        **os.environ,
        "VAXSHARE_PSEUDONYM_KEY": "0" * 64,
        "GRAFANA_ADMIN_PASSWORD": "test-password",
        "RUNBOOK_BASE_URL": "https://git.example.org/vaxshare/blob/main/docs/operations.md",
    }
    # An empty env file, so an operator's own .env cannot stand in for the variables.
    run = ["docker", "compose", "--env-file", os.devnull, "-f", str(COMPOSE), "config", "-q"]
    ok = subprocess.run(run, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    del env["VAXSHARE_PSEUDONYM_KEY"]
    missing = subprocess.run(run, env=env, capture_output=True, text=True, check=False)
    assert missing.returncode != 0
    assert "VAXSHARE_PSEUDONYM_KEY" in missing.stderr
