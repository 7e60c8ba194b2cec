"""Deployment files hold no credential: each comes from the environment or a Secret.

Checked offline, without Docker or a cluster: the Kubernetes manifests against the API's own
schemas (kubernetes-validate), and every password-like setting of compose and Kubernetes for
where its value comes from.
"""

from __future__ import annotations

import re
from typing import Any

import kubernetes_validate
import pytest

from services.platform.redis_acls import key_patterns
from tests.unit.deploy.deploy_files import COMPOSE, K8S_DIR, ROOT, load_yaml, load_yaml_all

KUBERNETES_VERSION = "1.33"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY$|_AUTH$")
# `${NAME:?message}`: compose refuses to start without NAME, and has no default for it.
REQUIRED = re.compile(r"\$\{([A-Z0-9_]+):\?[^}]+\}")


def _manifests() -> list[tuple[str, dict[str, Any]]]:
    listed = load_yaml(K8S_DIR / "kustomization.yaml")["resources"]
    return [(name, doc) for name in listed for doc in load_yaml_all(K8S_DIR / name)]


@pytest.mark.parametrize(
    "name,doc", _manifests(), ids=lambda v: v if isinstance(v, str) else v.get("kind", "")
)
def test_every_manifest_is_valid_for_the_kubernetes_api(name: str, doc: dict[str, Any]) -> None:
    # strict: a misspelt field (`envFrom` as `envfrom`) is an error, not silently ignored.
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc["kind"] not in ("Deployment", "Job"):
        return []
    pod = doc["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def test_kubernetes_takes_every_credential_from_a_secret() -> None:
    for name, doc in _manifests():
        for container in _containers(doc):
            for env in container.get("env", []):
                if SECRET_NAME.search(env["name"]):
                    assert "value" not in env, f"{name}: {env['name']} is written in the file"
                    assert "secretKeyRef" in env["valueFrom"], f"{name}: {env['name']}"
        if doc["kind"] == "ConfigMap":
            assert not [k for k in doc["data"] if SECRET_NAME.search(k)], name


def _compose_services() -> dict[str, Any]:
    services: dict[str, Any] = load_yaml(COMPOSE)["services"]
    return services


def test_compose_takes_every_credential_from_the_environment() -> None:
    for name, service in _compose_services().items():
        for variable, value in service.get("environment", {}).items():
            if SECRET_NAME.search(variable):
                assert REQUIRED.fullmatch(str(value)), f"{name}: {variable}={value}"
    command = _compose_services()["redis"]["command"]
    users = [command[i + 1] for i, arg in enumerate(command) if arg == "--user"]
    for user in users[1:]:
        # `>password` or `#sha256`: a `${...}` (its message may hold spaces) or a literal.
        passwords = re.findall(r" [>#](\$\{[^}]*\}|\S+)", user)
        assert len(passwords) == 1 and REQUIRED.fullmatch(passwords[0]), user.split()[0]


def test_every_secret_compose_needs_is_made_by_make_secrets_or_named_in_its_header() -> None:
    text = COMPOSE.read_text()
    script = (ROOT / "deploy" / "make-secrets.sh").read_text()
    loop = script[script.index("for name in") : script.index("; do")]
    made = {f"{name}_PASSWORD" for name in re.findall(r"\b[A-Z]+_[A-Z]+\b", loop)}
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for variable in set(REQUIRED.findall(text)):
        assert variable in made or variable in header, f"nothing makes {variable}"


def test_kafka_formats_a_scram_credential_for_every_password_compose_gives_it() -> None:
    given = {
        v.removeprefix("KAFKA_").removesuffix("_PASSWORD").lower()
        for v in _compose_services()["kafka"]["environment"]
        if v.endswith("_PASSWORD")
    }
    start = (ROOT / "deploy" / "kafka" / "start.sh").read_text()
    formatted = set(re.search(r"for name in ([a-z ]+); do", start).group(1).split())  # type: ignore[union-attr]
    assert given == formatted


def test_compose_redis_acls_name_the_prefix_the_services_use() -> None:
    prefix = load_yaml(COMPOSE)["x-vaxshare-env"]["VAXSHARE_REDIS_PREFIX"]
    command = " ".join(_compose_services()["redis"]["command"])
    for user, patterns in key_patterns(prefix).items():
        assert f" {patterns} " in command, f"{user}'s keys are not under {prefix}:"
