"""What a request reads before its answer, for concurrent requests in one round trip.

Every data read needs its key's stored record (re-read, so that revocation takes effect on
the next request), its rate limit and the latest published release. Requests that arrive
while a round trip is in flight wait for the next one, which carries all of theirs in one
pipeline and reads the latest release once for them all. Each request still gets its own
record and its own rate-limit check, counted at its own time, and fails if its reads fail.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

import redis.asyncio as aioredis

from services.api.rate_limit import RateLimiter
from services.platform.redis_keys import RedisKeys
from services.releases.model import ReleaseMeta

LATEST_META = """
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('HGET', KEYS[2], id)
"""
"""The newest published release's metadata (false when none is published)."""


class ReadAhead(NamedTuple):
    """A request's key record (None: no such key), rate-limit result and latest release."""

    record: bytes | str | None
    verdict: list[Any]
    latest: bytes | None


class ReadAheads:
    """Read key records, rate limits and the latest release, batching concurrent requests."""

    def __init__(self, client: aioredis.Redis, *, keys: RedisKeys, limiter: RateLimiter) -> None:
        self._client = client
        self._keys = keys
        self._limiter = limiter
        self._waiting: list[tuple[str, float, asyncio.Future[ReadAhead]]] = []
        self._reader: asyncio.Task[None] | None = None
        self._parsed: tuple[bytes, ReleaseMeta] | None = None

    def latest_meta(self, raw: bytes | None) -> ReleaseMeta | None:
        """The latest release's metadata from its stored JSON, parsed once per version."""
        if raw is None:
            return None
        if self._parsed is None or self._parsed[0] != raw:
            self._parsed = (raw, ReleaseMeta.from_json(raw))
        return self._parsed[1]

    async def read(self, key_id: str, now: float) -> ReadAhead:
        """The record of key `key_id` (its hash field), its rate limit counted at `now`, and
        the latest release; raises what the round trip raised."""
        done: asyncio.Future[ReadAhead] = asyncio.get_running_loop().create_future()
        self._waiting.append((key_id, now, done))
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_all())
        # Shielded: a caller that goes away does not take the batch with it.
        return await asyncio.shield(done)

    async def _read_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            pipe = self._client.pipeline(transaction=False)
            pipe.eval(LATEST_META, 2, self._keys.release_latest, self._keys.releases)
            for key_id, now, _ in batch:
                pipe.hget(self._keys.api_keys, key_id)
                self._limiter.queue(pipe, key_id, now)
            try:
                replies = await pipe.execute(raise_on_error=False)
            except asyncio.CancelledError:  # shutting down: nothing read, nothing served
                for *_, done in batch:
                    done.cancel()
                raise
            except Exception as exc:  # every waiting request fails with the round trip
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            latest = replies[0]
            for i, (*_, done) in enumerate(batch):
                record, verdict = replies[1 + 2 * i], replies[2 + 2 * i]
                failed = next(
                    (r for r in (latest, record, verdict) if isinstance(r, Exception)), None
                )
                if done.done():
                    continue
                if failed is not None:
                    done.set_exception(failed)
                else:
                    done.set_result(ReadAhead(record, verdict, latest or None))
