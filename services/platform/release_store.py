"""Releases in Redis: their metadata and their published (disclosure-controlled) tables.

Written by the release builder (aggregate service), read by the council API. Only numbers
that passed disclosure control are ever stored here; exact counts stay in the aggregate's
own keys. A published release is immutable: its tables are written once, before it is
published, and never changed.

Keys (`redis_keys`): the release index (id -> `ReleaseMeta` JSON), the `latest` pointer, the
id sequence, and per release its published tables ("<area>|<dose>|<breakdown>" ->
`PublishedTable` JSON).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import redis

from services.platform.redis_keys import RedisKeys, table_field


class ReleaseStatus(StrEnum):
    """Where a release is in its life."""

    BUILDING = "building"
    HELD = "held"
    DRAFT = "draft"  # passed every check, waiting for an operator to publish it
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class Check:
    """One verification step and its result."""

    name: str
    passed: bool
    detail: str


@dataclass(slots=True)
class ReleaseMeta:
    """What a release is: when it was cut, what was checked, what disclosure control did."""

    id: int
    as_of: str
    status: ReleaseStatus
    created_at: str
    policy: str
    first_date: str
    last_date: str
    breakdowns: list[str]
    cut_offsets: dict[str, int] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)
    held_reasons: list[str] = field(default_factory=list)
    published_at: str | None = None
    etag: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> ReleaseMeta:
        data = json.loads(raw)
        data["status"] = ReleaseStatus(data["status"])
        data["checks"] = [Check(**c) for c in data["checks"]]
        return cls(**data)


@dataclass(frozen=True, slots=True)
class PublishedTable:
    """One area × dose × breakdown of a release: groups × dates, published values only.

    `new[g][d]` and `cumulative[g][d]` are for group `groups[g]` on `first_date + d days`;
    None means suppressed. `population[g]` is the published (rounded) denominator, None where
    no denominator exists for the group.
    """

    area: str
    dose: int
    breakdown: str
    first_date: date
    groups: tuple[str, ...]
    new: tuple[tuple[int | None, ...], ...]
    cumulative: tuple[tuple[int | None, ...], ...]
    population: tuple[int | None, ...]

    @property
    def dates(self) -> list[date]:
        width = len(self.new[0]) if self.new else 0
        return [self.first_date + timedelta(days=i) for i in range(width)]

    def to_json(self) -> str:
        return json.dumps(
            {
                "area": self.area,
                "dose": self.dose,
                "breakdown": self.breakdown,
                "first_date": self.first_date.isoformat(),
                "groups": self.groups,
                "new": self.new,
                "cumulative": self.cumulative,
                "population": self.population,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> PublishedTable:
        d = json.loads(raw)
        return cls(
            area=d["area"],
            dose=d["dose"],
            breakdown=d["breakdown"],
            first_date=date.fromisoformat(d["first_date"]),
            groups=tuple(d["groups"]),
            new=tuple(tuple(row) for row in d["new"]),
            cumulative=tuple(tuple(row) for row in d["cumulative"]),
            population=tuple(d["population"]),
        )


NEVER_PUBLISHABLE = frozenset({"disclosure_audit", "no_negative_cells"})
"""Checks whose failure no operator review can override: privacy and impossible counts."""


def publish_blockers(meta: ReleaseMeta) -> list[str]:
    """Why a release may not be published (empty when an operator may publish it)."""
    if meta.status not in (ReleaseStatus.DRAFT, ReleaseStatus.HELD):
        return [f"it is {meta.status.value}; only a draft or held release can be published"]
    failed = [c.name for c in meta.checks if not c.passed and c.name in NEVER_PUBLISHABLE]
    return [f"it failed {', '.join(failed)}; it can never be published"] if failed else []


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
