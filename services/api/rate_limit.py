"""Fixed-window request limits in Redis, shared by every API instance.

One counter per subject (a key id, or a client address for failed logins) per minute; the
first hit of a window sets the counter's expiry, so idle subjects leave nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from services.api.errors import RateLimitedError

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
        self._key = f"{prefix}:ratelimit:{name}"
        self._limit = limit

    def _window(self, subject: str, now: float, *, count_it: bool) -> Window:
        window = int(now // WINDOW_SECONDS)
        key = f"{self._key}:{subject}:{window}"
        if count_it:
            pipe = self._redis.pipeline(transaction=True)
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
            count = int(pipe.execute()[0])
        else:
            raw = self._redis.get(key)
            count = int(raw) if raw is not None else 0
        retry_after = max(1, (window + 1) * WINDOW_SECONDS - int(now))
        return Window(count, self._limit, retry_after)

    def hit(self, subject: str, now: float) -> Window:
        """Count one request; raise when the subject is over its limit."""
        state = self._window(subject, now, count_it=True)
        if state.exceeded:
            raise RateLimitedError(
                f"rate limit of {self._limit} requests per minute exceeded; "
                f"retry after {state.retry_after} seconds",
                headers={"Retry-After": str(state.retry_after)},
            )
        return state

    def record(self, subject: str, now: float) -> Window:
        """Count one event (such as a failed authentication) without raising."""
        return self._window(subject, now, count_it=True)

    def check(self, subject: str, now: float) -> None:
        """Raise, without counting, when the subject is already over its limit."""
        state = self._window(subject, now, count_it=False)
        if state.count >= self._limit:
            raise RateLimitedError(
                f"too many failed authentications from this address; "
                f"retry after {state.retry_after} seconds",
                headers={"Retry-After": str(state.retry_after)},
            )
