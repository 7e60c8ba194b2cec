"""Per-key request limits over a sliding minute, in Redis, shared by every API instance.

Each key's accepted requests of the last 60 seconds are kept in a sorted set scored by time;
a request is accepted only if fewer than the limit are there, so no 60-second span ever holds
more than the limit (a fixed calendar minute would let twice the limit through across its
boundary). A refused request is not recorded, and the set expires a minute after the last
accepted one, so idle keys leave nothing behind. One Lua script makes each check atomic.
"""

from __future__ import annotations

import itertools
import math
import secrets
from collections.abc import Sequence
from typing import Any

import redis
import redis.asyncio as aioredis

from services.api.errors import RateLimitedError
from services.platform.redis_keys import RedisKeys

WINDOW_SECONDS = 60

_SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, oldest[2]}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, math.ceil(window * 1000))
return {1, ARGV[1]}
"""


class RateLimiter:
    """At most `limit` accepted requests per subject (a key id) in any 60 seconds."""

    def __init__(self, client: redis.Redis, *, prefix: str, name: str, limit: int) -> None:
        self._key = RedisKeys(prefix).rate_limit(name)
        self._limit = limit
        # Each accepted request is a member of the key's sorted set, so members must never
        # repeat: a random prefix for this limiter (process) and a count.
        self._member_prefix = secrets.token_hex(12)
        self._count = itertools.count()

    def queue(
        self, pipe: redis.client.Pipeline | aioredis.client.Pipeline, subject: str, now: float
    ) -> None:
        """Add the check to a pipeline (sent with other reads); pass its result to verdict."""
        pipe.eval(_SLIDING_WINDOW, 1, *self._keys(subject), *self._args(now))

    def _keys(self, subject: str) -> list[str]:
        return [f"{self._key}:{subject}"]

    def _args(self, now: float) -> list[str | int]:
        return [repr(now), WINDOW_SECONDS, self._limit, f"{self._member_prefix}{next(self._count)}"]

    def verdict(self, result: Sequence[Any], now: float) -> None:
        """Raise `RateLimitedError` unless the check's result accepted the request."""
        accepted, oldest = result
        if not int(accepted):
            retry_after = max(1, math.ceil(float(oldest) + WINDOW_SECONDS - now))
            raise RateLimitedError(
                f"rate limit of {self._limit} requests per minute exceeded; "
                f"retry after {retry_after} seconds",
                headers={"Retry-After": str(retry_after)},
            )
