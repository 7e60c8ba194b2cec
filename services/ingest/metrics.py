"""Prometheus metrics of the ingest, in a registry of its own per app.

The HTTP metrics carry `service="ingest"` (the council API's carry `service="api"`), so alerts
and the dashboard tell the two apart wherever Prometheus runs: Kubernetes pod scraping gives
every target one `job`. A publisher's series exist at 0 from its first request, every reason
included, so a rate over a reason it has never been refused for is defined.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from services.contract.reasons import Reason
from services.platform.http_metrics import HttpMetrics

SERVICE = "ingest"

_BATCH_BUCKETS = (1, 10, 50, 100, 500, 1000, 2000, 5000, 10000)
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class IngestMetrics:
    """Events received, accepted and rejected; batch sizes; Kafka latency and errors; HTTP."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.received = Counter(
            "vaxshare_ingest_events_received", "Events received", ["publisher"], registry=r
        )
        self.accepted = Counter(
            "vaxshare_ingest_events_accepted",
            "Events accepted (acknowledged by Kafka)",
            ["publisher"],
            registry=r,
        )
        self.rejected = Counter(
            "vaxshare_ingest_events_rejected",
            "Events rejected and dead-lettered, by reason",
            ["publisher", "reason"],
            registry=r,
        )
        self.batch_size = Histogram(
            "vaxshare_ingest_batch_size_events",
            "Events per posted batch",
            buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.produce_latency = Histogram(
            "vaxshare_ingest_produce_latency_seconds",
            "Time from send to Kafka acknowledgement of a whole batch",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.kafka_errors = Counter(
            "vaxshare_ingest_kafka_errors", "Batches Kafka did not acknowledge", registry=r
        )
        self.http = HttpMetrics(r, service=SERVICE, buckets=_LATENCY_BUCKETS)
        self._publishers: set[str] = set()

    def publisher_seen(self, publisher: str) -> None:
        """Create a publisher's series at 0 (once), before its first events are counted."""
        if publisher in self._publishers:
            return
        self._publishers.add(publisher)
        self.received.labels(publisher)
        self.accepted.labels(publisher)
        for reason in Reason:
            self.rejected.labels(publisher, reason.value)
