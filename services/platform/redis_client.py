"""Redis connections built in bootstrap code, never at import time, always as an ACL user."""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio as aioredis

from services.platform.settings import CommonSettings


def _options(settings: CommonSettings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "username": settings.redis_username,
        "password": settings.redis_password.get_secret_value(),
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
    }
    if settings.redis_ca_file is not None:
        options["ssl_ca_certs"] = str(settings.redis_ca_file)
    return options


def connect(settings: CommonSettings) -> redis.Redis:
    """A client logged in as the service's user, with health checks and bounded timeouts.

    The URL chooses plain TCP (`redis://`) or TLS (`rediss://`, verified against
    `VAXSHARE_REDIS_CA_FILE` or the system's CAs); responses are bytes.
    """
    return redis.Redis.from_url(
        settings.redis_url,
        health_check_interval=15,
        retry_on_timeout=True,
        **_options(settings),
    )


def connect_async(settings: CommonSettings) -> aioredis.Redis:
    """The same login for an asyncio client (a request path that stays on the event loop)."""
    return aioredis.Redis.from_url(settings.redis_url, **_options(settings))
