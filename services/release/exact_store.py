"""The exact tables behind each release, in Redis: internal, read only by the next release.

A release's audit must know what the previous release published *and* the exact counts it
was cut from, so differencing the two releases reveals nothing; these never leave the
release service.
"""

from __future__ import annotations

import json
import zlib

import numpy as np
import redis

from services.disclosure.linked.model import RowKey
from services.platform.redis_keys import RedisKeys, parse_table_field, table_field
from services.release.ports import CellKey, DisclosureState, ExactTable

_CHUNK = 500
_STATE = "~state"
"""The field holding disclosure control's state (no table field starts with "~")."""


class ExactTableStore:
    """Freeze, read and drop a release's exact tables."""

    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self._redis = client
        self._keys = RedisKeys(prefix)

    def freeze(self, release_id: int, exact: dict[CellKey, ExactTable]) -> None:
        """Store every exact table of a release (in chunks, one round trip each)."""
        key = self._keys.release_exact(release_id)
        items = list(exact.items())
        for start in range(0, len(items), _CHUNK):
            mapping = {
                table_field(*k): zlib.compress(
                    json.dumps({"groups": g, "rows": m.tolist()}).encode()
                )
                for k, (g, m) in items[start : start + _CHUNK]
            }
            self._redis.hset(key, mapping=mapping)  # type: ignore[arg-type]

    def freeze_state(self, release_id: int, state: DisclosureState) -> None:
        """Store each row's level, first shown and shown until dates (for the next release)."""
        levels, first_shown, shown_until = state
        data = {
            "levels": [[*key, v] for key, v in levels.items()],
            "first_shown": [[*key, v] for key, v in first_shown.items()],
            "shown_until": [[*key, v] for key, v in shown_until.items()],
        }
        value = zlib.compress(json.dumps(data).encode())
        self._redis.hset(self._keys.release_exact(release_id), _STATE, value)

    def read_state(self, release_id: int) -> DisclosureState:
        """The state ``freeze_state`` stored (empty for a release without one)."""
        raw = self._redis.hget(self._keys.release_exact(release_id), _STATE)
        if raw is None:
            return {}, {}, {}
        data = json.loads(zlib.decompress(raw))  # type: ignore[arg-type]

        def keyed(rows: list[list[object]]) -> dict[RowKey, int]:
            return {(str(a), int(d), str(b), str(g)): int(v) for a, d, b, g, v in rows}  # type: ignore[call-overload]

        return (
            keyed(data["levels"]),
            keyed(data["first_shown"]),
            keyed(data.get("shown_until", [])),  # a release stored before it had none
        )

    def read(self, release_id: int) -> dict[CellKey, ExactTable]:
        """Every exact table of a release (empty when it has none)."""
        raw: dict[bytes, bytes] = self._redis.hgetall(self._keys.release_exact(release_id))  # type: ignore[assignment]
        out: dict[CellKey, ExactTable] = {}
        for field, value in raw.items():
            if field == _STATE.encode():
                continue
            data = json.loads(zlib.decompress(value))
            rows = np.array(data["rows"], dtype=np.int64)
            out[parse_table_field(field)] = (tuple(data["groups"]), rows)
        return out

    def delete(self, release_id: int) -> None:
        """Drop a release's exact tables (a build that failed)."""
        self._redis.delete(self._keys.release_exact(release_id))
