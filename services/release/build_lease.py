"""A build lease in Redis: how a crashed build is told apart from one still running.

While a builder builds release N it holds `release:N:lease`, set with a time to live and
renewed by a heartbeat thread every third of it. A builder that crashes or is killed stops
renewing, and the key expires: a `building` release without its lease is stuck, and the
next release command marks it failed (`releases.lifecycle`). A live build of any length is
never mistaken for a stuck one, whatever its phase takes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from services.platform.redis_keys import RedisKeys


class RedisBuildLeases:
    """Leases under one key prefix, each living ``seconds`` unless renewed."""

    def __init__(self, client: redis.Redis, *, prefix: str, seconds: float) -> None:
        self._redis = client
        self._keys = RedisKeys(prefix)
        self._ttl_ms = max(1, int(seconds * 1000))

    @contextmanager
    def hold(self, release_id: int) -> Iterator[None]:
        """Hold the lease of a release, renewed in the background, until the block ends."""
        key = self._keys.release_lease(release_id)
        self._redis.set(key, "building", px=self._ttl_ms)
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self._ttl_ms / 3000):
                try:
                    self._redis.set(key, "building", px=self._ttl_ms)
                except redis.RedisError:
                    continue  # a passing outage: the next beat tries again before expiry

        beat = threading.Thread(target=renew, name=f"release-{release_id}-lease", daemon=True)
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join()
            self._redis.delete(key)

    def alive(self, release_id: int) -> bool:
        """True while a builder holds the release's lease."""
        return bool(self._redis.exists(self._keys.release_lease(release_id)))
