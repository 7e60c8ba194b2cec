"""Releases in Redis: their metadata and their published (disclosure-controlled) tables.

Written by the release service, read by the council API. Only numbers that passed disclosure
control are ever stored here; exact counts stay in the aggregate's own keys. A published
release is immutable: its tables are written once, before it is published, and never changed.

Keys (`redis_keys`): the release index (id -> `ReleaseMeta` JSON), the `latest` pointer, the
id sequence, and per release its published tables ("<area>|<dose>|<breakdown>" ->
`PublishedTable` JSON).
"""

from __future__ import annotations

import redis

from services.platform.redis_keys import RedisKeys, table_field
from services.releases.model import PublishedTable, ReleaseMeta

# The newest published release's metadata: the `latest` pointer and the record it names.
_LATEST_META = """
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('HGET', KEYS[2], id)
"""


class ReleaseStore:
    """Read and write releases under one key prefix."""

    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self._redis = client
        self._keys = RedisKeys(prefix)
        self._index = self._keys.releases
        self._latest = self._keys.release_latest
        self._latest_meta = client.register_script(_LATEST_META)

    def _tables_key(self, release_id: int) -> str:
        return self._keys.release_tables(release_id)

    def next_id(self) -> int:
        """A new release number, one more than the last ever issued."""
        return int(self._redis.incr(self._keys.release_seq))

    def save(self, meta: ReleaseMeta) -> None:
        """Store (or update) a release's metadata."""
        self._redis.hset(self._index, str(meta.id), meta.to_json())

    def get(self, release_id: int) -> ReleaseMeta | None:
        """A release's metadata, or None."""
        raw = self._redis.hget(self._index, str(release_id))
        return ReleaseMeta.from_json(raw) if raw is not None else None

    def all(self) -> list[ReleaseMeta]:
        """Every release, newest first."""
        metas = [ReleaseMeta.from_json(v) for v in self._redis.hvals(self._index)]
        return sorted(metas, key=lambda m: m.id, reverse=True)

    def latest_published(self) -> int | None:
        """The id of the newest published release."""
        raw = self._redis.get(self._latest)
        return int(raw) if raw is not None else None

    def latest_published_meta(self) -> ReleaseMeta | None:
        """The newest published release's metadata, in one round trip."""
        raw = self._latest_meta(keys=[self._latest, self._index])
        return ReleaseMeta.from_json(raw) if raw else None

    def publish(self, meta: ReleaseMeta) -> None:
        """Mark a release published and, if it is the newest, point `latest` at it."""
        current = self.latest_published()
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._index, str(meta.id), meta.to_json())
        if current is None or meta.id > current:
            pipe.set(self._latest, str(meta.id))
        pipe.execute()

    def write_tables(self, release_id: int, tables: list[PublishedTable]) -> None:
        """Store published tables of a release (in chunks, one round trip each)."""
        key = self._tables_key(release_id)
        for start in range(0, len(tables), 500):
            chunk = tables[start : start + 500]
            mapping = {table_field(t.area, t.dose, t.breakdown): t.to_json() for t in chunk}
            self._redis.hset(key, mapping=mapping)  # type: ignore[arg-type]

    def tables(
        self, release_id: int, keys: list[tuple[str, int, str]]
    ) -> list[PublishedTable | None]:
        """Tables for (area, dose, breakdown) keys, in order, in one round trip."""
        if not keys:
            return []
        fields = [table_field(*k) for k in keys]
        raws = self._redis.hmget(self._tables_key(release_id), fields)
        return [PublishedTable.from_json(r) if r is not None else None for r in raws]

    def delete_tables(self, release_id: int) -> None:
        """Drop a release's tables (only for releases that were never published)."""
        self._redis.delete(self._tables_key(release_id))
