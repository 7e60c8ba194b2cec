"""Fixed-window request limits in Redis, shared by every API instance.

One counter per subject (a key id, or a client address for failed logins) per minute; the
first hit of a window sets the counter's expiry, so idle subjects leave nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from services.api.errors import RateLimitedError
from services.platform.redis_keys import RedisKeys

WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Window:
    """Where a subject stands in the current window."""

    count: int
    limit: int
    retry_after: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


class RateLimiter:
    """Count hits per subject per minute; raise `RateLimitedError` past the limit."""

    def __init__(self, client: redis.Redis, *, prefix: str, name: str, limit: int) -> None:
        self._redis = client
        self._key = RedisKeys(prefix).rate_limit(name)
        self._limit = limit

    def _key_of(self, subject: str, now: float) -> str:
        return f"{self._key}:{subject}:{int(now // WINDOW_SECONDS)}"

    def _state(self, count: int, now: float) -> Window:
        retry_after = max(1, (int(now // WINDOW_SECONDS) + 1) * WINDOW_SECONDS - int(now))
        return Window(count, self._limit, retry_after)

    def record(self, subject: str, now: float) -> Window:
        """Count one event (such as a failed authentication) without raising."""
        key = self._key_of(subject, now)
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS * 2)
        return self._state(int(pipe.execute()[0]), now)

    def hit(self, subject: str, now: float) -> Window:
        """Count one request; raise when the subject is over its limit."""
        state = self.record(subject, now)
        if state.exceeded:
            raise RateLimitedError(
                f"rate limit of {self._limit} requests per minute exceeded; "
                f"retry after {state.retry_after} seconds",
                headers={"Retry-After": str(state.retry_after)},
            )
        return state

    def queue_read(self, pipe: redis.client.Pipeline, subject: str, now: float) -> None:
        """Queue the read `refuse_if_over` needs, so a caller can share one round trip."""
        pipe.get(self._key_of(subject, now))

    def refuse_if_over(self, raw: bytes | None, now: float) -> None:
        """Raise when the count read (by `queue_read`) is at or over the limit."""
        state = self._state(int(raw) if raw is not None else 0, now)
        if state.count >= self._limit:
            raise RateLimitedError(
                f"too many failed authentications from this address; "
                f"retry after {state.retry_after} seconds",
                headers={"Retry-After": str(state.retry_after)},
            )
