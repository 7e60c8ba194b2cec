"""A presented API key checked against its stored record on the event loop (asyncio Redis).

The rule is the shared key store's (`principal_of`). A key that matched its record is
remembered by this worker with the exact record it matched (`MatchedKeys`): its next request
re-reads the record in the same round trip as the rate limit and the latest release, and is
served only if the record is byte-for-byte the one it matched, so a revoked (or changed) key
is refused on its very next request. Only the SHA-256 of a key is remembered, as in Redis.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import redis.asyncio as aioredis

from services.platform.key_store import Principal, parse_key_id, principal_of

MAX_REMEMBERED = 10_000
"""Keys remembered per worker; the memo starts afresh when full (a lookup costs one trip)."""


@dataclass(frozen=True, slots=True)
class Match:
    """A key's stored record as it was when the key matched it, and its principal."""

    record: bytes | str
    principal: Principal


@dataclass(frozen=True, slots=True)
class KeyMatch:
    """The hash field a request's key named and the stored record it matched there."""

    field: str
    record: bytes | str


class MatchedKeys:
    """Keys that matched their stored records, by the SHA-256 of the key."""

    def __init__(self, max_entries: int = MAX_REMEMBERED) -> None:
        self._matches: dict[str, Match] = {}
        self._max = max_entries

    def get(self, key: str) -> Match | None:
        """The match remembered for a presented key, if any."""
        return self._matches.get(_fingerprint(key))

    def remember(self, key: str, record: bytes | str, principal: Principal) -> None:
        """Remember that `key` matched `record`."""
        if len(self._matches) >= self._max:
            self._matches.clear()
        self._matches[_fingerprint(key)] = Match(record, principal)

    def forget(self, key: str) -> None:
        """Drop a key whose record changed."""
        self._matches.pop(_fingerprint(key), None)


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_field(key: str) -> str:
    """The field of the keys hash a presented key names ("" for a key not of our shape: no
    key has an empty id)."""
    return parse_key_id(key) or ""


def check_record(memo: MatchedKeys, key: str, record: bytes | str | None) -> Principal | None:
    """The active principal for a presented key given its stored record (None: unknown, wrong
    or revoked); remembers a match and forgets a key whose record changed."""
    known = memo.get(key)
    if known is not None and record == known.record:
        return known.principal
    if known is not None:
        memo.forget(key)
    principal = principal_of(record, key)
    if principal is not None and record is not None:
        memo.remember(key, record, principal)
    return principal


async def read_key_record(client: aioredis.Redis, keys_hash: str, key: str) -> bytes | str | None:
    """The stored record a presented key names, read alone (a key not matched before)."""
    record: bytes | str | None = await client.hget(keys_hash, key_field(key))
    return record
