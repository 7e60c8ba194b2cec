"""Where the aggregator stands in each partition, and which records of a poll it may count.

Pure bookkeeping, no Kafka and no Redis: the loop feeds it what Redis and the consumer said
and carries out what it answers (which records to count, where to seek).

- `stored`: the offset Redis holds for each partition this consumer owns (None: nothing
  counted yet). Only what Redis confirmed lands here.
- in flight: the offset each partition will hold once the batch being applied has landed;
  the next batch starts there.
- held: partitions whose records reached a release barrier in the last round. Records at or
  beyond the barrier are dropped and the partition is sought back to it, so they are fetched
  again once the barrier is lifted (pausing instead can leave a partition stuck).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


class Positioned(Protocol):
    """A log record, as far as the cursor cares."""

    @property
    def offset(self) -> int: ...


R = TypeVar("R", bound=Positioned)


@dataclass(frozen=True, slots=True)
class Trimmed(Generic[R]):
    """What to count of one partition's polled records."""

    records: list[R]  # to count, in log order
    start: int | None  # the offset Redis must hold before them
    end: int | None  # the offset after them; None: nothing to count
    seek_to: int | None = None  # seek the partition back here (a barrier was reached)
    newly_held: bool = False  # the barrier was not reached in the round before


@dataclass(slots=True)
class Round(Generic[R]):
    """What to do with one poll: the batch to count and where to seek."""

    moves: list[tuple[int, int | None, int]] = field(default_factory=list)  # (p, start, end)
    records: list[R] = field(default_factory=list)
    seeks: dict[int, int] = field(default_factory=dict)  # partition -> offset (barriers)
    newly_held: list[int] = field(default_factory=list)
    foreign: bool = False  # records of a partition this consumer was never sought for


@dataclass(slots=True)
class Cursors:
    """Offsets stored, offsets in flight and barrier holds, per partition."""

    stored: dict[int, int | None] = field(default_factory=dict)
    _in_flight: dict[int, int] = field(default_factory=dict)
    _held: set[int] = field(default_factory=set)
    _held_before: set[int] = field(default_factory=set)

    @property
    def holding(self) -> bool:
        """True when a partition reached a release barrier this round."""
        return bool(self._held)

    def plan(self, polled: Mapping[int, Sequence[R]], barriers: Mapping[int, int]) -> Round[R]:
        """Start a round: from the records polled per partition, what to count and seek."""
        self._held_before, self._held = self._held, set()
        out: Round[R] = Round()
        for partition, records in polled.items():
            if partition not in self.stored:
                out.foreign = True
                continue
            trimmed = self.trim(partition, records, barriers.get(partition))
            if trimmed.seek_to is not None:
                out.seeks[partition] = trimmed.seek_to
            if trimmed.newly_held:
                out.newly_held.append(partition)
            if trimmed.end is not None:
                out.moves.append((partition, trimmed.start, trimmed.end))
                out.records.extend(trimmed.records)
        return out

    def trim(self, partition: int, records: Sequence[R], barrier: int | None) -> Trimmed[R]:
        """The records of a partition still to count, never below Redis's offset nor at or
        beyond a release barrier."""
        start = self._in_flight.get(partition, self.stored.get(partition))
        kept = list(records)
        if start is not None and kept and kept[0].offset < start:
            kept = [r for r in kept if r.offset >= start]  # never count below Redis's offset
        end = kept[-1].offset + 1 if kept else None
        seek_to = None
        newly_held = False
        if barrier is not None and end is not None and end > barrier:
            kept = [r for r in kept if r.offset < barrier]
            end = seek_to = barrier  # no record lies between the last kept and the barrier
            newly_held = partition not in self._held_before
            self._held.add(partition)
        if end is not None and start is not None and end <= start:
            return Trimmed([], start, None, seek_to, newly_held)
        return Trimmed(kept, start, end, seek_to, newly_held)

    def submitted(self, landed: Mapping[int, int]) -> None:
        """A batch moving partitions to these offsets is being applied."""
        self._in_flight.update(landed)

    def landed(self, landed: Mapping[int, int]) -> None:
        """Redis confirmed a batch: its partitions now hold these offsets."""
        self.stored.update(landed)

    def reset(
        self, stored: Mapping[int, int], partitions: Iterable[int], *, all_owned: bool
    ) -> dict[int, int | None]:
        """Take Redis's offsets for partitions (forgetting anything in flight); return where
        to seek each (None: the beginning). With ``all_owned``, forget every other one."""
        self._in_flight.clear()
        targets = {p: stored.get(p) for p in partitions}
        self.stored.update(targets)
        if all_owned:
            for partition in set(self.stored) - set(targets):
                del self.stored[partition]
        return targets

    def revoke(self, partitions: Iterable[int]) -> None:
        """Forget partitions this consumer no longer owns."""
        for partition in partitions:
            self.stored.pop(partition, None)

    def caught_up(self, ends: Mapping[int, int]) -> bool:
        """True when Redis holds every partition's given end offset (or beyond)."""
        if not ends or not ends.keys() <= self.stored.keys():
            return False
        return all((self.stored[p] or 0) >= end for p, end in ends.items())
