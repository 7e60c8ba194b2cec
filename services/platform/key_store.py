"""API keys for every caller, stored hashed in Redis; shared by the ingest and the council API.

A key reads `vx_<key id>_<secret>`. Redis holds, per key id, the SHA-256 of the whole key and
the principal it stands for (role, name, areas); the key itself is shown once, at creation,
and never stored or logged. Authentication looks the id up and compares digests in constant
time, so a wrong key costs the same whatever it shares with a right one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import redis

from services.access.roles import Role
from services.platform.errors import PlatformError
from services.platform.redis_keys import RedisKeys

_KEY_ID_BYTES = 6
_SECRET_BYTES = 24


class KeyStoreError(PlatformError):
    """A key operation that cannot be done (unknown key id, bad role or areas)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a key stands for. `areas` scopes a council key (ONS LTLA/UTLA codes)."""

    key_id: str
    role: Role
    name: str
    areas: tuple[str, ...]
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_key_id(key: str) -> str | None:
    """The key id inside a presented key, or None when the key is not of our shape."""
    parts = key.split("_")
    if len(parts) != 3 or parts[0] != "vx" or len(parts[1]) != 2 * _KEY_ID_BYTES:
        return None
    if not all(c in "0123456789abcdef" for c in parts[1]):
        return None
    return parts[1]


class KeyStore:
    """Create, revoke, list and authenticate API keys."""

    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self._redis = client
        self._hash = RedisKeys(prefix).api_keys

    def create(
        self, role: Role | str, name: str, areas: tuple[str, ...] = ()
    ) -> tuple[str, Principal]:
        """Make a new key; return it (shown once) and its principal."""
        role = Role(role)
        if role is Role.COUNCIL and not areas:
            raise KeyStoreError("a council key needs at least one area it may see in detail")
        if not name.strip():
            raise KeyStoreError("a key needs a name saying whose it is")
        key_id = secrets.token_hex(_KEY_ID_BYTES)
        key = f"vx_{key_id}_{secrets.token_urlsafe(_SECRET_BYTES).replace('_', '-')}"
        now = datetime.now(UTC).isoformat(timespec="seconds")
        principal = Principal(key_id, role, name.strip(), tuple(areas), now)
        record = {**asdict(principal), "digest": _digest(key)}
        self._redis.hset(self._hash, key_id, json.dumps(record))
        return key, principal

    def revoke(self, key_id: str) -> Principal:
        """Revoke a key at once; it stays listed (with its revocation time) for the audit."""
        raw = self._redis.hget(self._hash, key_id)
        if raw is None:
            raise KeyStoreError(f"no key with id {key_id!r}")
        record = json.loads(raw)
        if record["revoked_at"] is None:
            record["revoked_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            self._redis.hset(self._hash, key_id, json.dumps(record))
        return _principal(record)

    def list(self) -> list[Principal]:
        """Every key ever created, newest first."""
        records = [json.loads(v) for v in self._redis.hvals(self._hash)]
        return sorted((_principal(r) for r in records), key=lambda p: p.created_at, reverse=True)

    def authenticate(self, key: str) -> Principal | None:
        """The active principal for a presented key, or None (unknown, wrong or revoked)."""
        raw = self._redis.hget(self._hash, parse_key_id(key) or "")  # no key has an empty id
        return principal_of(raw, key)


def principal_of(raw: bytes | str | None, key: str) -> Principal | None:
    """The active principal a stored key record stands for if the key matches it, else None.

    Compared against a dummy digest when there is no record, so timing does not tell whether
    the key id exists; a revoked key is refused.
    """
    record = json.loads(raw) if raw is not None else None
    expected = record["digest"] if record else _digest("vx_unknown")
    matches = hmac.compare_digest(expected, _digest(key))
    if record is None or not matches or record["revoked_at"] is not None:
        return None
    return _principal(record)


def _principal(record: dict[str, object]) -> Principal:
    fields = {k: v for k, v in record.items() if k != "digest"}
    fields["role"] = Role(str(fields["role"]))
    fields["areas"] = tuple(fields["areas"])  # type: ignore[arg-type]
    return Principal(**fields)  # type: ignore[arg-type]
