"""Everything a request handler needs, built once per app and injected (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import redis
import redis.asyncio as aioredis
from fastapi import Request

from services.api.answer_cache import AnswerCache
from services.api.audit_batches import AuditBatches
from services.api.audit_log import AuditLog
from services.api.auth_throttle import AuthThrottle
from services.api.client_address import Network, parse_trusted_proxies
from services.api.key_check import MatchedKeys
from services.api.metrics import ApiMetrics
from services.api.rate_limit import RateLimiter
from services.api.read_aheads import ReadAheads
from services.api.replay_index import ReplayIndex
from services.api.settings import ApiSettings
from services.platform.key_store import KeyStore
from services.platform.redis_client import connect_async
from services.platform.redis_keys import RedisKeys
from services.platform.release_store import ReleaseStore
from services.reference.areas import AreaRegistry
from services.reference.denominators import Denominators, load_denominators


@dataclass(frozen=True)
class ApiContext:
    """The app's adapters and settings."""

    settings: ApiSettings
    client: redis.Redis
    aio: aioredis.Redis
    """The same Redis for the per-request path (key, limit, latest release, audit entry),
    so a cached answer never leaves the event loop."""
    areas: AreaRegistry
    denominators: Denominators
    clock: Callable[[], datetime]
    releases: ReleaseStore
    keys: KeyStore
    audit: AuditLog
    audit_batches: AuditBatches
    limiter: RateLimiter
    auth_throttle: AuthThrottle
    trusted_proxies: tuple[Network, ...]
    metrics: ApiMetrics
    answers: AnswerCache
    matched_keys: MatchedKeys
    redis_keys: RedisKeys
    read_aheads: ReadAheads
    replays: ReplayIndex

    @classmethod
    def build(
        cls,
        *,
        settings: ApiSettings,
        redis_client: redis.Redis,
        areas: AreaRegistry,
        clock: Callable[[], datetime],
        denominators: Denominators | None = None,
    ) -> ApiContext:
        """Wire the stores and limiters onto one Redis client under the configured prefix."""
        prefix = settings.redis_prefix
        aio = connect_async(settings)
        audit = AuditLog(redis_client, prefix=prefix, max_length=settings.audit_max_length)
        limiter = RateLimiter(
            redis_client, prefix=prefix, name="key", limit=settings.rate_limit_per_minute
        )
        return cls(
            settings=settings,
            client=redis_client,
            aio=aio,
            areas=areas,
            denominators=denominators or load_denominators(),
            clock=clock,
            releases=ReleaseStore(redis_client, prefix=prefix),
            keys=KeyStore(redis_client, prefix=prefix),
            audit=audit,
            audit_batches=AuditBatches(audit, aio),
            limiter=limiter,
            auth_throttle=AuthThrottle(
                redis_client, prefix=prefix, limit=settings.failed_auth_per_minute
            ),
            trusted_proxies=parse_trusted_proxies(settings.trusted_proxies),
            metrics=ApiMetrics(),
            answers=AnswerCache(max_bytes=settings.answer_cache_bytes),
            matched_keys=MatchedKeys(),
            redis_keys=RedisKeys(prefix),
            read_aheads=ReadAheads(aio, keys=RedisKeys(prefix), limiter=limiter),
            replays=ReplayIndex(),
        )


async def get_context(request: Request) -> ApiContext:
    """FastAPI dependency: the app's context (async: no I/O, so no hop to a worker thread)."""
    ctx: ApiContext = request.app.state.ctx
    return ctx
