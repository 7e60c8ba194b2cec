"""Prometheus metrics of the council API, in a registry of its own per app instance."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from services.platform.http_metrics import HttpMetrics

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SERVICE = "api"  # the `service` label of the HTTP metrics (the ingest's say "ingest")


class ApiMetrics:
    """Request counts and latency by route, rows served, and the age of the latest release."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http = HttpMetrics(
            self.registry,
            service=SERVICE,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
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
        self.blank_people = Gauge(
            "vaxshare_release_blank_people_ratio",
            "Share of people in blank cumulative cells of the latest release, per breakdown "
            "and dose, on its last date (scope=latest) or over every date (scope=all_dates)",
            ["breakdown", "dose", "scope"],
            registry=self.registry,
        )
        self.protective_blank_people = Gauge(
            "vaxshare_release_protective_blank_people_ratio",
            "Share of people in blank cumulative cells of 8 or more (blank to protect other "
            "cells, not by the 1-7 rule) of the latest release, per breakdown, dose and scope",
            ["breakdown", "dose", "scope"],
            registry=self.registry,
        )
        self.large_blanks = Gauge(
            "vaxshare_release_large_blank_groups",
            "Groups of 100 or more people blank on the latest release's last date",
            ["breakdown", "dose"],
            registry=self.registry,
        )
        self.coarsened = Gauge(
            "vaxshare_release_coarsened_groups",
            "Groups published at a step coarser than the policy's own in the latest release",
            ["breakdown", "dose"],
            registry=self.registry,
        )
        self.withheld = Gauge(
            "vaxshare_release_withheld_groups",
            "Groups withheld on every date in the latest release, to protect other figures",
            ["breakdown", "dose"],
            registry=self.registry,
        )

    def show_loss(self, loss: list[dict[str, object]]) -> None:
        """Set the loss gauges from a release's audit figures (one entry per breakdown, dose)."""
        for entry in loss:
            labels = (str(entry["breakdown"]), str(entry["dose"]))
            for scope in ("latest", "all_dates"):
                value = float(entry[f"blank_share_{scope}"])  # type: ignore[arg-type]
                self.blank_people.labels(*labels, scope).set(value)
                value = float(entry.get(f"protective_blank_share_{scope}", 0.0))  # type: ignore[arg-type]
                self.protective_blank_people.labels(*labels, scope).set(value)
            self.large_blanks.labels(*labels).set(float(entry["large_blank_latest"]))  # type: ignore[arg-type]
            self.coarsened.labels(*labels).set(float(entry["coarsened"]))  # type: ignore[arg-type]
            self.withheld.labels(*labels).set(float(entry["withheld"]))  # type: ignore[arg-type]

    def render(self) -> bytes:
        """The exposition text."""
        return generate_latest(self.registry)
