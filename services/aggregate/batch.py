"""Prepare one batch for Redis: take the records in, read the states they depend on, count.

A polled batch is split by partition: each partition's events are counted against the event
states of its count shard and applied by one script call in that shard's hash slot
(`platform.redis_keys`). Events are keyed by person, so an event and every correction or
retraction of it share a partition, and so a shard.

The result is typed: the offsets the batch moves, the counting outcome, and its statistics
(`BatchStats`: records consumed, dead letters by reason and publisher). Only `counters` names
the statistics as the generation's stats hash stores them, and only the Redis adapter encodes
dead-letter counts as hash fields (`platform.redis_keys`). A record refused is dead-lettered
whether the intake refused it (it cannot be decoded, or breaks a rule) or counting did (it
reuses an event id with other content).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter

from services.aggregate.counting import BatchOutcome, ids_to_read
from services.aggregate.counting_target import CountingTarget
from services.aggregate.event_state import StoredState
from services.aggregate.record_intake import Intake, LogRecord, RecordIntake, Refused
from services.contract.counted_content import conflicting_duplicate

_PARTITION = attrgetter("partition")

PartitionMove = tuple[int, int | None, int]
"""(partition, offset Redis must hold before the batch, offset after it)."""


@dataclass(frozen=True, slots=True)
class BatchStats:
    """What became of a batch's records beyond counting: how many, and what was refused."""

    consumed: int
    dead_lettered: Mapping[str, int] = field(default_factory=dict)  # reason -> records
    # (reason, publisher or "" when unknown) -> records
    by_publisher: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @property
    def refused(self) -> int:
        """Records dead-lettered, every reason."""
        return sum(self.dead_lettered.values())

    def counters(self) -> dict[str, int]:
        """The statistics as named in a generation's stats hash."""
        counters = {"consumed": self.consumed, "dead_lettered": self.refused}
        counters.update({f"dead_lettered:{r}": n for r, n in self.dead_lettered.items()})
        return counters


@dataclass(slots=True)
class BatchWrite:
    """One batch ready for Redis: offsets moved, the counting outcome and its statistics."""

    partitions: list[PartitionMove]
    outcome: BatchOutcome
    stats: BatchStats
    count_dead_letters: bool = True  # add the refusals to the dead-letter counts (live only)
    shard: int = 0  # the count shard of the batch's one partition (`GenerationSpec.shard_of`)

    @property
    def landed(self) -> dict[int, int]:
        """The offset each partition holds once the batch is applied."""
        return {partition: end for partition, _, end in self.partitions}

    @property
    def move(self) -> PartitionMove:
        """The one partition this batch moves (Redis applies a batch per partition)."""
        if len(self.partitions) != 1:
            raise ValueError(f"a batch must move one partition, not {len(self.partitions)}")
        return self.partitions[0]


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """A batch counted and ready to apply (one write per partition), with the records it
    took in and every refusal."""

    writes: list[BatchWrite]
    intake: Intake
    refused: list[Refused]

    @property
    def landed(self) -> dict[int, int]:
        """The offset each partition holds once every write is applied."""
        return {p: end for write in self.writes for p, end in write.landed.items()}


StateReader = Callable[
    [str, int, Mapping[int, Iterable[str]]], Mapping[int, Mapping[str, StoredState | None]]
]
"""Reads the stored states of event ids (by count shard) in a generation with so many
buckets, in one round trip: shard -> event id -> state."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchPreparer:
    """Turns polled records into a batch ready to apply."""

    intake: RecordIntake
    read_states: StateReader
    live: bool  # refusals are added to the dead-letter counts (not in a rebuild)

    def prepare(
        self,
        records: Sequence[LogRecord],
        partitions: list[PartitionMove],
        target: CountingTarget,
        *,
        before_reading: Callable[[], None],
    ) -> PreparedBatch:
        """Decode and validate ``records``, then (after ``before_reading``: the previous batch
        has landed, so the states are current) read the states they depend on and count."""
        taken = self.intake.take(records)
        before_reading()
        # Partition -> positions of its events in `taken`. A poll's records come partition by
        # partition, so grouping runs of positions (in C) is cheaper than a loop per record.
        events: dict[int, list[int]] = {}
        partition_of = list(map(_PARTITION, taken.records))
        for partition, run in groupby(range(len(partition_of)), partition_of.__getitem__):
            events.setdefault(partition, []).extend(run)
        refusals: dict[int, list[Refused]] = {}
        for refusal in taken.refused:
            refusals.setdefault(refusal.record.partition, []).append(refusal)
        consumed = Counter(map(_PARTITION, records))
        wanted: dict[int, set[str]] = {}  # shard -> ids its partitions' events depend on
        for move in partitions:
            of_partition = map(taken.events.__getitem__, events.get(move[0], []))
            shard = target.spec.shard_of(move[0])
            wanted.setdefault(shard, set()).update(ids_to_read(of_partition))
        states = self.read_states(target.generation, target.spec.buckets, wanted)
        writes, refused = [], []
        for move in partitions:
            partition = move[0]
            shard = target.spec.shard_of(partition)
            positions = events.get(partition, [])
            mine = list(map(taken.events.__getitem__, positions))
            outcome = target.counter.count(mine, states.get(shard, {}))
            lost = refusals.get(partition, [])
            lost += [_conflict(taken, positions[i]) for i in outcome.conflicts]
            stats = BatchStats(
                consumed=consumed[partition],
                dead_lettered=dict(Counter(r.error.reason.value for r in lost)),
                by_publisher=dict(Counter((r.error.reason.value, r.publisher or "") for r in lost)),
            )
            writes.append(
                BatchWrite([move], outcome, stats, count_dead_letters=self.live, shard=shard)
            )
            refused += lost
        return PreparedBatch(writes=writes, intake=taken, refused=refused)


def _conflict(taken: Intake, position: int) -> Refused:
    event = taken.events[position]
    error = conflicting_duplicate()
    return Refused(taken.records[position], error, event.event_id, event.source_system)
