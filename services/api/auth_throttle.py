"""Failed authentications, counted per client address and per claimed key id.

A wrong key is answered 401 until its address, or the key id it claims to be (key ids are
not secret), has failed `limit` times in the current minute, and 429 with `Retry-After`
after that. Only failures are counted and only failures are refused: a key whose secret
matches is served whoever else is guessing, from the same address or at the same key id
(a council behind a shared proxy is never locked out by a neighbour's typos or an attacker).
The secret's 192 random bits, not the throttle, are what make guessing hopeless; the
throttle keeps guessers' cost and noise bounded and tells them to stop.
"""

from __future__ import annotations

import redis

from services.api.errors import RateLimitedError
from services.platform.redis_keys import RedisKeys

WINDOW_SECONDS = 60


class AuthThrottle:
    """Counts failed authentications in one-minute windows in Redis (shared by instances)."""

    def __init__(self, client: redis.Redis, *, prefix: str, limit: int) -> None:
        self._redis = client
        self._key = RedisKeys(prefix).rate_limit("failed-auth")
        self._limit = limit

    def failed(self, *, address: str, key_id: str | None, now: float) -> None:
        """Count one failure; raise `RateLimitedError` when either count is over the limit."""
        window = int(now // WINDOW_SECONDS)
        subjects = [f"address:{address}"] + ([f"key:{key_id}"] if key_id else [])
        pipe = self._redis.pipeline(transaction=False)
        for subject in subjects:
            key = f"{self._key}:{subject}:{window}"
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
        counts = pipe.execute()[::2]
        if max(int(c) for c in counts) > self._limit:
            retry_after = max(1, (window + 1) * WINDOW_SECONDS - int(now))
            raise RateLimitedError(
                "too many failed authentications from this address or for this key; "
                f"retry after {retry_after} seconds",
                headers={"Retry-After": str(retry_after)},
            )
