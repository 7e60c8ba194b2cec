"""The metric catalogue the dashboard and alerts are checked against is what the services expose."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from services.aggregate.metrics import AggregateMetrics
from services.api.metrics import ApiMetrics
from services.ingest.metrics import IngestMetrics
from tests.unit.deploy.metric_catalogue import HISTOGRAMS, SERVICE_METRICS


def _exposed(registry: CollectorRegistry) -> set[str]:
    """Series names a registry exposes (counters with their `_total`), labelled or not."""
    names = set()
    for family in registry.collect():
        names.add(f"{family.name}_total" if family.type == "counter" else family.name)
    return names


def test_every_catalogued_metric_is_exposed_by_a_service() -> None:
    exposed = (
        _exposed(IngestMetrics().registry)
        | _exposed(AggregateMetrics().registry)
        | _exposed(ApiMetrics().registry)
    )
    missing = (SERVICE_METRICS | HISTOGRAMS) - exposed
    assert not missing, f"the dashboard or alerts read metrics no service exposes: {missing}"
