"""The HTTP metrics every service exposes: requests by route and status, and their latency.

The series are labelled by service (`api`, `ingest`), so alerts and dashboards tell the
services apart wherever Prometheus runs (Kubernetes pod scraping gives every target one job),
and by route template, never by raw path.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram


class HttpMetrics:
    """`vaxshare_http_requests_total` and `vaxshare_http_request_duration_seconds` of a
    service, in its registry."""

    def __init__(
        self, registry: CollectorRegistry, *, service: str, buckets: Sequence[float]
    ) -> None:
        self._service = service
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.requests = Counter(
            "vaxshare_http_requests",
            "HTTP requests answered, by service, route template, method and status",
            ["service", "route", "method", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "vaxshare_http_request_duration_seconds",
            "Time to the start of the answer, by service and route template",
            ["service", "route"],
            buckets=tuple(buckets),
            registry=registry,
        )

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Record one answered request."""
        series = self._series.get((route, method, status))
        if series is None:  # a label lookup takes a lock and builds a tuple: once per series
            series = (
                self.requests.labels(self._service, route, method, str(status)),
                self.duration.labels(self._service, route),
            )
            self._series[(route, method, status)] = series
        series[0].inc()
        series[1].observe(seconds)
