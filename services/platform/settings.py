"""Settings shared by every service: where Kafka and Redis are, topic names, logging.

Each service extends `CommonSettings` with its own fields in its own `settings.py`. Every
field is read from an environment variable named `VAXSHARE_<FIELD>` (see the README table).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Connection and naming settings every service needs."""

    model_config = SettingsConfigDict(env_prefix="VAXSHARE_", extra="ignore")

    kafka_bootstrap: str = Field("127.0.0.1:19092", description="Kafka bootstrap servers")
    redis_url: str = Field("redis://127.0.0.1:16379/0", description="Redis connection URL")
    redis_prefix: str = Field(
        "vaxshare", pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Prefix of every Redis key"
    )
    events_topic: str = Field("vaccination-events", description="Topic of vaccination events")
    dlq_topic: str = Field("vaccination-events.dlq", description="Dead-letter topic")
    events_partitions: int = Field(12, ge=1, le=1000, description="Partitions of the events topic")
    log_level: str = Field("INFO", description="Log level (DEBUG, INFO, WARNING, ERROR)")
