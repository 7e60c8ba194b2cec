"""Settings of the publisher ingest service, read from `VAXSHARE_*` environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from services.contract.pseudonym import MIN_KEY_BYTES
from services.platform.settings import KafkaClientSettings


class IngestSettings(KafkaClientSettings):
    """Everything the ingest needs; `VAXSHARE_PSEUDONYM_KEY` has no default on purpose."""

    pseudonym_key: SecretStr = Field(
        description="Secret HMAC key that turns NHS numbers into person keys (16+ bytes)"
    )
    ingest_host: str = Field("127.0.0.1", description="Address the ingest HTTP server binds")
    ingest_port: int = Field(8081, ge=1, le=65535, description="Port of the ingest HTTP server")
    ingest_workers: int = Field(
        1, ge=1, le=64, description="Worker processes serving the ingest HTTP API"
    )
    max_batch_events: int = Field(5000, ge=1, le=100_000, description="Most events in one post")
    max_body_bytes: int = Field(
        20 * 1024 * 1024, ge=1024, description="Largest request body accepted, in bytes"
    )
    body_read_timeout_seconds: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="How long a client may take to send a whole request body before getting 408",
    )
    kafka_timeout_seconds: float = Field(
        10.0, gt=0, le=300, description="How long to wait for Kafka to acknowledge a batch"
    )
    retry_after_seconds: int = Field(
        5, ge=1, le=3600, description="Retry-After sent with 503 when Kafka is unavailable"
    )

    @field_validator("pseudonym_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value().encode()) < MIN_KEY_BYTES:
            raise ValueError(f"must be at least {MIN_KEY_BYTES} bytes")
        return value
