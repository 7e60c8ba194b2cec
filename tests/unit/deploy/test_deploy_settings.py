"""Every `VAXSHARE_*` variable the deployment sets is a setting some service reads."""

from __future__ import annotations

import pytest
from pydantic_settings import BaseSettings

from services.aggregate.settings import AggregateSettings
from services.api.settings import ApiSettings
from services.ingest.settings import IngestSettings
from services.release.settings import ReleaseSettings
from tests.unit.deploy.deploy_files import (
    COMPOSE,
    COMPOSE_REDIS_CLUSTER,
    K8S_DIR,
    load_yaml,
    load_yaml_all,
)

SETTINGS: tuple[type[BaseSettings], ...] = (
    IngestSettings,
    AggregateSettings,
    ReleaseSettings,
    ApiSettings,
)


def _known() -> set[str]:
    return {f"VAXSHARE_{field.upper()}" for cls in SETTINGS for field in cls.model_fields}


def _compose_variables() -> set[str]:
    names = set()
    for compose in (COMPOSE, COMPOSE_REDIS_CLUSTER):
        for service in load_yaml(compose)["services"].values():
            names |= {n for n in service.get("environment", {}) if n.startswith("VAXSHARE_")}
    return names


def _k8s_variables() -> set[str]:
    names = set()
    for path in K8S_DIR.rglob("*.yaml"):  # the base and its variants (redis-cluster/)
        for doc in load_yaml_all(path):
            if doc.get("kind") == "ConfigMap":
                names |= set(doc["data"])
            if doc.get("kind") in ("Deployment", "Job"):
                for container in doc["spec"]["template"]["spec"]["containers"]:
                    names |= {e["name"] for e in container.get("env", [])}
    return names


@pytest.mark.parametrize("where", ["compose", "k8s"])
def test_deployment_sets_only_variables_the_services_read(where: str) -> None:
    used = _compose_variables() if where == "compose" else _k8s_variables()
    assert used, "no VAXSHARE_ variables found"
    unknown = used - _known()
    assert not unknown, f"{where} sets variables no service reads (typos?): {sorted(unknown)}"


def test_deployment_gives_the_ingest_every_setting_it_requires() -> None:
    required = {
        f"VAXSHARE_{name.upper()}"
        for name, field in IngestSettings.model_fields.items()
        if field.is_required()
    }
    compose_ingest = set(load_yaml(COMPOSE)["services"]["ingest"]["environment"])
    assert required <= compose_ingest
    assert required <= _k8s_variables()
