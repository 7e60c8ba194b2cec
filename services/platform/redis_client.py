"""Redis connections built in bootstrap code, never at import time, always as an ACL user."""

from __future__ import annotations

from typing import Any, cast

import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster
from redis.connection import HiredisRespSerializer
from redis.utils import HIREDIS_AVAILABLE

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
    `VAXSHARE_REDIS_CA_FILE` or the system's CAs); responses are bytes. With
    `VAXSHARE_REDIS_CLUSTER` the URL names one node of a Redis Cluster and the client routes
    each command to the node of its key's slot; every script the services run declares its
    keys, all in one slot (`redis_keys`), so the same calls work on both.
    """
    if settings.redis_cluster:
        # The cluster client has the commands of `redis.Redis` the services use.
        return cast("redis.Redis", RedisCluster.from_url(settings.redis_url, **_options(settings)))
    return redis.Redis.from_url(
        settings.redis_url,
        health_check_interval=15,
        retry_on_timeout=True,
        **_options(settings),
    )


class _HiredisPacked(aioredis.Connection):
    """An asyncio connection that packs commands with hiredis (C), as the blocking client
    does when hiredis is installed; redis-py's asyncio client packs them in Python, which was
    a tenth of the API's time per cached answer."""

    _packer = HiredisRespSerializer()

    def pack_command(self, *args: Any) -> list[bytes]:
        return self._packer.pack(*args)


class _HiredisPackedTLS(aioredis.SSLConnection, _HiredisPacked):
    """The same over TLS."""


def connect_async(settings: CommonSettings) -> aioredis.Redis:
    """The same login for an asyncio client (a request path that stays on the event loop)."""
    if settings.redis_cluster:
        client = AsyncRedisCluster.from_url(settings.redis_url, **_options(settings))
        return cast("aioredis.Redis", client)
    single = aioredis.Redis.from_url(settings.redis_url, **_options(settings))
    if HIREDIS_AVAILABLE:  # connections are made on first use, so all of them pack in C
        pool = single.connection_pool
        tls = issubclass(pool.connection_class, aioredis.SSLConnection)
        pool.connection_class = _HiredisPackedTLS if tls else _HiredisPacked
    return single
