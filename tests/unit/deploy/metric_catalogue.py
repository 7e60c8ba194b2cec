"""The metric names the services and the Redis exporter expose, to check dashboards and alerts."""

from __future__ import annotations

# Counters and gauges, by the service that exposes them.
SERVICE_METRICS: frozenset[str] = frozenset(
    {
        # ingest
        "vaxshare_ingest_events_received_total",
        "vaxshare_ingest_events_accepted_total",
        "vaxshare_ingest_events_rejected_total",
        "vaxshare_ingest_kafka_errors_total",
        # aggregate
        "vaxshare_aggregate_events_total",
        "vaxshare_aggregate_dead_letters_total",
        "vaxshare_aggregate_consumer_lag_records",
        "vaxshare_aggregate_last_received_timestamp_seconds",
        "vaxshare_aggregate_conflicting_duplicates_total",
        "vaxshare_aggregate_halted",
        "vaxshare_aggregate_redis_errors_total",
        "vaxshare_aggregate_fenced_batches_total",
        "vaxshare_aggregate_generation",
        # api (and the ingest, for the two HTTP metrics)
        "vaxshare_http_requests_total",
        "vaxshare_api_rows_served_total",
        "vaxshare_api_release_age_seconds",
        "vaxshare_api_latest_release_id",
        "vaxshare_release_status",
        "vaxshare_release_blank_people_ratio",
        "vaxshare_release_protective_blank_people_ratio",
        "vaxshare_release_large_blank_groups",
        "vaxshare_release_coarsened_groups",
        "vaxshare_release_withheld_groups",
    }
)

HISTOGRAMS: frozenset[str] = frozenset(
    {
        "vaxshare_ingest_batch_size_events",
        "vaxshare_ingest_produce_latency_seconds",
        "vaxshare_aggregate_batch_size_events",
        "vaxshare_aggregate_batch_duration_seconds",
        "vaxshare_http_request_duration_seconds",
    }
)

# From oliver006/redis_exporter, and Prometheus's own per-target series.
EXTERNAL_METRICS: frozenset[str] = frozenset(
    {"redis_memory_used_bytes", "redis_memory_max_bytes", "redis_up", "up"}
)


def known_metric_names() -> frozenset[str]:
    """Every series name a query may use: plain metrics and each histogram's series."""
    histogram_series = {
        f"{h}{suffix}" for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")
    }
    return SERVICE_METRICS | EXTERNAL_METRICS | histogram_series
