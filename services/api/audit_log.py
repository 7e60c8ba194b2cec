"""The data-access audit log: one Redis stream entry per data read, readable by operators.

Entry fields: time, key id, key name, role, area, query (path and query string), release id,
rows served and outcome (`served`, `not_modified`, `denied`, `not_found`, `rejected`). Keys
themselves are never written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import redis
import redis.asyncio as aioredis

from services.platform.redis_keys import RedisKeys

# How many stream entries one tail filtered by key id reads at most, newest first.
_SCAN_LIMIT = 100_000
_SCAN_BATCH = 1000


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One data read."""

    time: str
    key_id: str
    name: str
    role: str
    area: str
    query: str
    release_id: int | None
    rows: int
    outcome: str
    id: str = ""

    def as_dict(self) -> dict[str, object]:
        """The entry as a JSON object."""
        return asdict(self)


def _encode(entry: AuditEntry) -> dict[str, str]:
    return {
        "time": entry.time,
        "key_id": entry.key_id,
        "name": entry.name,
        "role": entry.role,
        "area": entry.area,
        "query": entry.query,
        "release_id": "" if entry.release_id is None else str(entry.release_id),
        "rows": str(entry.rows),
        "outcome": entry.outcome,
    }


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _decode(entry_id: object, raw: Mapping[Any, Any]) -> AuditEntry:
    f = {_text(k): _text(v) for k, v in raw.items()}
    return AuditEntry(
        time=f.get("time", ""),
        key_id=f.get("key_id", ""),
        name=f.get("name", ""),
        role=f.get("role", ""),
        area=f.get("area", ""),
        query=f.get("query", ""),
        release_id=int(f["release_id"]) if f.get("release_id") else None,
        rows=int(f.get("rows", "0") or 0),
        outcome=f.get("outcome", ""),
        id=_text(entry_id),
    )


class AuditLog:
    """Append to and read the audit stream (`redis_keys`)."""

    def __init__(self, client: redis.Redis, *, prefix: str, max_length: int = 1_000_000) -> None:
        self._redis = client
        self._stream = RedisKeys(prefix).audit
        self._max_length = max_length

    def append(self, entry: AuditEntry) -> str:
        """Record one read; returns the stream entry id."""
        entry_id = self._redis.xadd(
            self._stream,
            _encode(entry),  # type: ignore[arg-type]
            maxlen=self._max_length,
            approximate=True,
        )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    def queue(self, pipe: aioredis.client.Pipeline, entry: AuditEntry) -> None:
        """Add the recording of one read to an asyncio pipeline (the request path's)."""
        pipe.xadd(
            self._stream,
            _encode(entry),  # type: ignore[arg-type]
            maxlen=self._max_length,
            approximate=True,
        )

    def tail(self, count: int = 20, *, key_id: str | None = None) -> list[AuditEntry]:
        """The newest `count` entries, newest first, optionally only those of one key."""
        found: list[AuditEntry] = []
        upper = "+"
        scanned = 0
        while len(found) < count and scanned < _SCAN_LIMIT:
            batch: list[Any] = list(
                self._redis.xrevrange(self._stream, max=upper, min="-", count=_SCAN_BATCH) or []
            )
            if not batch:
                break
            for entry_id, raw in batch:
                entry = _decode(entry_id, raw)
                if key_id is None or entry.key_id == key_id:
                    found.append(entry)
                    if len(found) == count:
                        break
            scanned += len(batch)
            upper = "(" + _text(batch[-1][0])
        return found

    def length(self) -> int:
        """How many entries the stream holds."""
        return int(self._redis.xlen(self._stream))
