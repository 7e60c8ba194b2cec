"""A presented API key checked against its stored record on the event loop (asyncio Redis).

The same record and rule as the shared key store (`services.platform.key_store`): the
SHA-256 of the whole key compared in constant time with the stored digest, against a dummy
digest when the key id is unknown so timing does not tell; a revoked key is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import redis.asyncio as aioredis

from services.access.roles import Role
from services.platform.key_store import Principal, parse_key_id

_UNKNOWN = hashlib.sha256(b"vx_unknown").hexdigest()


def principal_of(raw: bytes | str | None, key: str) -> Principal | None:
    """The active principal a stored record stands for if the key matches it, else None."""
    record = json.loads(raw) if raw is not None else None
    expected = record["digest"] if record else _UNKNOWN
    matches = hmac.compare_digest(expected, hashlib.sha256(key.encode()).hexdigest())
    if record is None or not matches or record["revoked_at"] is not None:
        return None
    return Principal(
        key_id=record["key_id"],
        role=Role(record["role"]),
        name=record["name"],
        areas=tuple(record["areas"]),
        created_at=record["created_at"],
    )


async def authenticate_key(client: aioredis.Redis, keys_hash: str, key: str) -> Principal | None:
    """The active principal for a presented key, or None (unknown, wrong or revoked)."""
    raw = await client.hget(keys_hash, parse_key_id(key) or "")  # no key has an empty id
    return principal_of(raw, key)
