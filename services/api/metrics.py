"""Prometheus metrics of the council API, in a registry of its own per app instance."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SERVICE = "api"  # the `service` label of the HTTP metrics (the ingest's say "ingest")


class ApiMetrics:
    """Request counts and latency by route, rows served, and the age of the latest release."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "vaxshare_http_requests_total",
            "HTTP requests answered, by service, route template, method and status",
            ["service", "route", "method", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "vaxshare_http_request_duration_seconds",
            "Time to answer (to the first byte of streamed answers), by service and route",
            ["service", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.rows_served = Counter(
            "vaxshare_api_rows_served_total",
            "Data rows served to callers (JSON and CSV)",
            registry=self.registry,
        )
        self.release_age = Gauge(
            "vaxshare_api_release_age_seconds",
            "Seconds since the latest published release was published",
            registry=self.registry,
        )
        self.latest_release = Gauge(
            "vaxshare_api_latest_release_id",
            "Id of the latest published release (0 when none)",
            registry=self.registry,
        )

        self.release_status = Gauge(
            "vaxshare_release_status",
            "Releases by status (building, draft, held, published, failed)",
            ["status"],
            registry=self.registry,
        )
        self.suppressed_ratio = Gauge(
            "vaxshare_release_suppressed_cells_ratio",
            "Share of published cells suppressed (primary and secondary) in the latest release",
            registry=self.registry,
        )

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Record one answered request."""
        self.requests.labels(SERVICE, route, method, str(status)).inc()
        self.duration.labels(SERVICE, route).observe(seconds)

    def render(self) -> bytes:
        """The exposition text."""
        return generate_latest(self.registry)
