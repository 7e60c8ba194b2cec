"""A generation of counts: what it counts and how its event states are laid out.

Each generation has keys of its own, and one generation is the active one (`redis_keys`).
Each generation fixes its breakdown list, its number of event-state buckets and the
dictionary of LTLA and MSOA codes its packed states index into, in its meta hash, written
once by whoever creates the generation (the first aggregator on an empty Redis, or a
rebuild). Aggregators follow the active generation's spec rather than their own settings, so
a rebuild with a new breakdown list switches every running aggregator over without restarts.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from services.aggregate.event_state import StateCodec
from services.reference.areas import load_areas
from services.reference.breakdowns import select_breakdowns


@dataclass(frozen=True, slots=True)
class GenerationSpec:
    """What a generation counts and how its per-event state is keyed and packed."""

    breakdowns: tuple[str, ...]
    buckets: int
    ltla_codes: tuple[str, ...]
    msoa_codes: tuple[str, ...]
    created_at: str
    # Count shards (`redis_keys`): the topic's partitions when the generation was created;
    # 0 in a spec written before shards, one shard per partition.
    shards: int = 0

    @classmethod
    def new(
        cls, *, breakdowns: str | tuple[str, ...], buckets: int, shards: int = 0
    ) -> GenerationSpec:
        """A spec for a new generation with today's reference data as its dictionary."""
        areas = load_areas()
        ltlas = tuple(a.code for a in areas.ltlas())
        return cls(
            breakdowns=tuple(b.name for b in select_breakdowns(breakdowns)),
            buckets=buckets,
            ltla_codes=ltlas,
            msoa_codes=tuple(sorted(m for code in ltlas for m in areas.msoas_in(code))),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            shards=shards,
        )

    def to_json(self) -> str:
        """The spec as stored in the generation's meta hash."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> GenerationSpec:
        """The spec read back from the generation's meta hash."""
        data = json.loads(raw)
        return cls(
            breakdowns=tuple(data["breakdowns"]),
            buckets=int(data["buckets"]),
            ltla_codes=tuple(data["ltla_codes"]),
            msoa_codes=tuple(data["msoa_codes"]),
            created_at=str(data["created_at"]),
            shards=int(data.get("shards", 0)),
        )

    def shard_of(self, partition: int) -> int:
        """The count shard a partition is counted in (the same for a person's events after
        partitions are added in multiples of `shards`)."""
        return partition % self.shards if self.shards else partition

    def codec(self) -> StateCodec:
        """The state codec of this generation's dictionary."""
        return StateCodec(ltla_codes=self.ltla_codes, msoa_codes=self.msoa_codes)


def bucket_of(event_id: str, buckets: int) -> int:
    """The event-state hash an event id lives in (stable across processes and versions)."""
    return zlib.crc32(event_id.encode()) % buckets
