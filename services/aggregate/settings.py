"""Settings of the aggregator, read from `VAXSHARE_*` environment variables."""

from __future__ import annotations

from pydantic import Field

from services.platform.settings import KafkaClientSettings
from services.reference.breakdowns import DEFAULT_BREAKDOWNS


class AggregateSettings(KafkaClientSettings):
    """Consumer group, what is counted, batch sizes and where metrics are served."""

    aggregate_group_id: str = Field("vaxshare-aggregate", description="Kafka consumer group id")
    aggregate_breakdowns: str = Field(
        ",".join(DEFAULT_BREAKDOWNS),
        description="Comma-separated breakdowns counted by a new generation of counts",
    )
    aggregate_batch_size: int = Field(5000, ge=1, le=100_000, description="Records per batch")
    aggregate_event_buckets: int = Field(
        1 << 21,
        ge=1,
        le=1 << 26,
        description="Hashes the per-event state is spread over (fixed per generation)",
    )
    aggregate_metrics_host: str = Field(
        "127.0.0.1",
        description="Address of /metrics and health (0.0.0.0 where Prometheus scrapes from "
        "another host, as in compose and Kubernetes)",
    )
    aggregate_metrics_port: int = Field(
        8082, ge=0, le=65535, description="Port of /metrics and health (0 = any free port)"
    )
    aggregate_session_timeout_ms: int = Field(
        10_000, ge=6000, le=300_000, description="Kafka group session timeout"
    )
    aggregate_count_shards: int | None = Field(
        None,
        ge=1,
        le=1000,
        description="Count shards of a new generation (partition modulo this): 1 on one Redis "
        "node, so a correction finds its original in any partition; on Redis Cluster the "
        "partition count, to spread counting over the masters",
    )

    def count_shards(self) -> int:
        """Count shards of a new generation: as set, else 1, or one per partition on a cluster."""
        if self.aggregate_count_shards is not None:
            return self.aggregate_count_shards
        return self.events_partitions if self.redis_cluster else 1
