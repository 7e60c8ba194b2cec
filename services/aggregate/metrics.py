"""Prometheus metrics of the aggregator, in a registry of its own.

Every series whose label values are known in advance (outcomes, reasons, fence kinds) exists
from the start at 0, so a rate over it is defined before the first such record arrives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.aggregate.batch import BatchStats, PreparedBatch
from services.aggregate.record_intake import LogRecord
from services.contract.reasons import Reason
from services.contract.redaction import publisher_label

# Batch statistics (Redis `stats` names) -> the `outcome` label of the events counter.
_OUTCOMES = {
    "consumed": "consumed",
    "counted": "counted",
    "duplicates": "duplicate",
    "corrected": "corrected",
    "retracted": "retracted",
    "parked": "parked",
    "unparked": "unparked",
    "dead_lettered": "dead_lettered",
    "conflicting_duplicates": "conflicting_duplicate",
}
FENCE_KINDS = ("generation", "offset", "barrier", "state")


class AggregateMetrics:
    """Counters, histograms and gauges the consumer loop updates."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "vaxshare_aggregate_events", "Records by what became of them", ["outcome"], registry=r
        )
        self.dead_letters = Counter(
            "vaxshare_aggregate_dead_letters",
            "Records dead-lettered, by reason",
            ["reason"],
            registry=r,
        )
        self.batch_size = Histogram(
            "vaxshare_aggregate_batch_size_events",
            "Records per applied batch",
            buckets=(1, 10, 50, 100, 500, 1000, 2000, 5000, 10_000, 20_000),
            registry=r,
        )
        self.batch_duration = Histogram(
            "vaxshare_aggregate_batch_duration_seconds",
            "Time from poll to the batch applied in Redis",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.lag = Gauge(
            "vaxshare_aggregate_consumer_lag_records",
            "Records in the log not yet counted, per partition",
            ["partition"],
            registry=r,
        )
        self.last_received = Gauge(
            "vaxshare_aggregate_last_received_timestamp_seconds",
            "When the newest counted record was received (its Kafka timestamp: the ingest "
            "stamps the time it received the batch), per partition",
            ["partition"],
            registry=r,
        )
        self.conflicting_duplicates = Counter(
            "vaxshare_aggregate_conflicting_duplicates",
            "Records dead-lettered for reusing an event id with other content, by publisher",
            ["publisher"],
            registry=r,
        )
        self.redis_errors = Counter(
            "vaxshare_aggregate_redis_errors", "Redis calls that failed", registry=r
        )
        self.fenced = Counter(
            "vaxshare_aggregate_fenced_batches",
            "Batches Redis refused because something moved since they were read",
            ["kind"],
            registry=r,
        )
        self.generation = Gauge(
            "vaxshare_aggregate_generation", "Generation of counts being written", registry=r
        )
        self.halted = Gauge(
            "vaxshare_aggregate_halted",
            "1 when the aggregator stopped counting for good (inconsistent stored counts)",
            registry=r,
        )
        for outcome in _OUTCOMES.values():
            self.events.labels(outcome)
        for reason in Reason:
            self.dead_letters.labels(reason.value)
        for kind in FENCE_KINDS:
            self.fenced.labels(kind)

    def applied(self, batch: PreparedBatch, *, seconds: float) -> None:
        """Record one applied batch: what became of its records (one script call per
        partition), and one observation of its size and its time from poll to landed."""
        for write in batch.writes:
            self._counted(write.outcome.stats, write.stats)
        self.batch_size.observe(sum(write.stats.consumed for write in batch.writes))
        self.batch_duration.observe(seconds)

    def _counted(self, counted: Mapping[str, int], stats: BatchStats) -> None:
        named = {**counted, **stats.counters()}
        for name, outcome in _OUTCOMES.items():
            n = named.get(name, 0)
            if n:
                self.events.labels(outcome).inc(n)
        for reason, n in stats.dead_lettered.items():
            self.dead_letters.labels(reason).inc(n)
        for (reason, publisher), n in stats.by_publisher.items():
            if reason == Reason.CONFLICTING_DUPLICATE:
                self.conflicting_duplicates.labels(publisher_label(publisher)).inc(n)

    def record_freshness(self, counted: Sequence[LogRecord]) -> None:
        """Set each partition's newest receive time among the records a batch counted."""
        newest: dict[int, int] = {}
        for record in counted:
            stamp = record.timestamp
            if stamp is not None and stamp > newest.get(record.partition, -1):
                newest[record.partition] = stamp
        for partition, stamp in newest.items():
            self.last_received.labels(str(partition)).set(stamp / 1000)

    def record_lag(
        self, highwaters: Mapping[int, int | None], positions: Mapping[int, int | None]
    ) -> None:
        """Set each partition's lag: records in the log beyond the offset stored in Redis."""
        for partition, high in highwaters.items():
            if high is not None:
                done = positions.get(partition) or 0
                self.lag.labels(str(partition)).set(max(0, high - done))
