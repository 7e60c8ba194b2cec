"""Settings of the council API, read from `VAXSHARE_*` environment variables."""

from __future__ import annotations

from pydantic import Field, field_validator

from services.api.client_address import parse_trusted_proxies
from services.platform.settings import CommonSettings


class ApiSettings(CommonSettings):
    """Where the API listens and the limits it enforces (all documented in the OpenAPI)."""

    api_host: str = Field("127.0.0.1", description="Interface the council API listens on")
    api_port: int = Field(8080, ge=1, le=65535, description="Port of the council API")
    api_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Worker processes serving the council API (each with its own answer cache)",
    )
    rate_limit_per_minute: int = Field(
        600, ge=1, description="Requests a key may make in any 60 seconds before getting 429"
    )
    failed_auth_per_minute: int = Field(
        30,
        ge=1,
        description="Failed authentications per client address, and per claimed key id, per "
        "minute before further wrong keys get 429 (a valid key is always served)",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or CIDR networks of reverse proxies whose "
        "X-Forwarded-For is believed (none by default)",
    )
    max_rows: int = Field(
        200_000, ge=1, description="Most rows one answer may hold; larger queries get 400"
    )
    audit_max_length: int = Field(
        1_000_000, ge=1000, description="Approximate number of audit entries kept"
    )
    answer_cache_bytes: int = Field(
        64 * 1024 * 1024,
        ge=0,
        description="Memory for rendered answers of published releases (0 turns caching off)",
    )
    answer_cache_rows: int = Field(
        50_000, ge=0, description="Largest answer, in rows, kept in the answer cache"
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        parse_trusted_proxies(value)  # refuse to start on a bad entry
        return value
