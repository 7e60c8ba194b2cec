"""Settings shared by every service: where Kafka and Redis are, who we are there, topic names.

Each service extends `CommonSettings` (Redis) or `KafkaClientSettings` (Redis and Kafka) with
its own fields in its own `settings.py`. Every field is read from an environment variable
named `VAXSHARE_<FIELD>` (see the README table). Credentials have no defaults: a service
started without its own fails at once, naming the variable. They never go in a URL.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.platform.kafka_auth import KafkaAuth


class CommonSettings(BaseSettings):
    """Connection and naming settings every service needs."""

    model_config = SettingsConfigDict(env_prefix="VAXSHARE_", extra="ignore")

    kafka_bootstrap: str = Field("127.0.0.1:19092", description="Kafka bootstrap servers")
    redis_url: str = Field(
        "redis://127.0.0.1:16379/0",
        description="Redis connection URL without credentials (rediss:// for TLS)",
    )
    redis_username: str = Field(
        min_length=1, description="This service's Redis ACL user (no default)"
    )
    redis_password: SecretStr = Field(description="That user's password (no default)")
    redis_ca_file: Path | None = Field(
        None, description="CA certificate (PEM) that signed Redis's, with a rediss:// URL"
    )
    redis_cluster: bool = Field(
        False,
        description="Redis is a Redis Cluster: the URL names one node, the client finds the rest",
    )
    redis_prefix: str = Field(
        "vaxshare", pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Prefix of every Redis key"
    )
    events_topic: str = Field("vaccination-events", description="Topic of vaccination events")
    dlq_topic: str = Field("vaccination-events.dlq", description="Dead-letter topic")
    events_partitions: int = Field(12, ge=1, le=1000, description="Partitions of the events topic")
    log_level: str = Field("INFO", description="Log level (DEBUG, INFO, WARNING, ERROR)")

    @field_validator("redis_url")
    @classmethod
    def _no_credentials_in_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError("must start with redis:// (or rediss:// for TLS)")
        if "@" in parts.netloc:
            raise ValueError(
                "must not hold credentials: set VAXSHARE_REDIS_USERNAME and "
                "VAXSHARE_REDIS_PASSWORD instead"
            )
        return value

    @model_validator(mode="after")
    def _ca_needs_tls(self) -> CommonSettings:
        if self.redis_ca_file is not None and not self.redis_url.startswith("rediss://"):
            raise ValueError("VAXSHARE_REDIS_CA_FILE is for TLS: use a rediss:// URL")
        return self


class KafkaClientSettings(CommonSettings):
    """Common settings plus this service's Kafka principal (SASL/SCRAM-SHA-512 over TLS)."""

    kafka_username: str = Field(
        min_length=1, description="This service's Kafka principal (no default)"
    )
    kafka_password: SecretStr = Field(description="Its SCRAM-SHA-512 password (no default)")
    kafka_ca_file: Path | None = Field(
        None, description="CA certificate (PEM) that signed the brokers' (default: system CAs)"
    )

    def kafka_auth(self) -> KafkaAuth:
        """The credentials every Kafka client of this service connects with."""
        return KafkaAuth(self.kafka_username, self.kafka_password, self.kafka_ca_file)
