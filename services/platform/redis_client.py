"""Redis connections built in bootstrap code, never at import time."""

from __future__ import annotations

import redis


def connect(url: str) -> redis.Redis:
    """A client with a health check and bounded socket timeouts (bytes responses)."""
    return redis.Redis.from_url(
        url,
        socket_timeout=10,
        socket_connect_timeout=5,
        health_check_interval=15,
        retry_on_timeout=True,
    )
