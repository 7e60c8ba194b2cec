"""A presented API key checked against its stored record on the event loop (asyncio Redis).

Only the read is here; the rule is the shared key store's (`principal_of`).
"""

from __future__ import annotations

import redis.asyncio as aioredis

from services.platform.key_store import Principal, parse_key_id, principal_of


async def authenticate_key(client: aioredis.Redis, keys_hash: str, key: str) -> Principal | None:
    """The active principal for a presented key, or None (unknown, wrong or revoked)."""
    raw = await client.hget(keys_hash, parse_key_id(key) or "")  # no key has an empty id
    return principal_of(raw, key)
