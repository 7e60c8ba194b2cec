"""Redis connections built in bootstrap code, never at import time, always as an ACL user."""

from __future__ import annotations

from typing import Any

import redis

from services.platform.settings import CommonSettings


def connect(settings: CommonSettings) -> redis.Redis:
    """A client logged in as the service's user, with health checks and bounded timeouts.

    The URL chooses plain TCP (`redis://`) or TLS (`rediss://`, verified against
    `VAXSHARE_REDIS_CA_FILE` or the system's CAs); responses are bytes.
    """
    tls: dict[str, Any] = {}
    if settings.redis_ca_file is not None:
        tls["ssl_ca_certs"] = str(settings.redis_ca_file)
    return redis.Redis.from_url(
        settings.redis_url,
        username=settings.redis_username,
        password=settings.redis_password.get_secret_value(),
        socket_timeout=10,
        socket_connect_timeout=5,
        health_check_interval=15,
        retry_on_timeout=True,
        **tls,
    )
