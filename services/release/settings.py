"""Settings of the release builder (`vaxshare release ...`)."""

from __future__ import annotations

from pydantic import Field

from services.platform.cpus import available_cpus
from services.platform.settings import KafkaClientSettings
from services.reference.breakdowns import DEFAULT_BREAKDOWNS


class ReleaseSettings(KafkaClientSettings):
    """What a release contains and the limits its checks enforce."""

    aggregate_breakdowns: str = Field(
        ",".join(DEFAULT_BREAKDOWNS),
        description="Breakdowns counted and published (comma-separated; same as the aggregator)",
    )
    disclosure_policy: str = Field("nhs-digital", description="nhs-digital or midpoint6")
    protection_width: int = Field(
        5, ge=1, description="Narrowest interval an attacker may pin a protected count to"
    )
    dead_letter_limit: float = Field(
        0.05, ge=0, le=1, description="Largest dead-lettered share since the last release"
    )
    release_workers: int = Field(
        default_factory=available_cpus,
        ge=1,
        description="Processes protecting a release's families in parallel (default: the CPUs "
        "this process may use: its CPU affinity, capped by its container's CPU limit)",
    )
    release_wait_seconds: float = Field(
        120.0, gt=0, description="How long a release waits for the aggregators to reach the cut"
    )
    release_lease_seconds: float = Field(
        30.0,
        gt=0,
        description="Build lease (renewed every third of it); a build whose lease lapsed is failed",
    )
