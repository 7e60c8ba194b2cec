"""Turn a batch of valid events into exact count changes and event-state changes (pure).

Semantics, applied in log order (events of one person share a partition, so their order is
the order the publisher sent them, and a replay or rebuild sees the same order):

- An event id is acted on once. A later record with an id already seen is ignored: as a
  duplicate when it would count what the first counted (`contract.counted_content`), so a
  duplicate of a corrected or retracted event never counts again; otherwise it is a
  conflicting duplicate, listed in ``conflicts`` for the dead-letter topic.
- ADMINISTERED and CORRECTED events count in one cell per breakdown; ENTERED_IN_ERROR events
  count nowhere.
- A CORRECTED or ENTERED_IN_ERROR event supersedes the event it names: that event's cells
  are subtracted (exactly what it added). If the named event has not arrived yet, the
  supersession is parked (its id is stored PENDING) and when it arrives it counts nowhere.
  The superseding event still acts: a correction counts at once.
- Only the first supersession of an event takes effect. A correction naming an event that
  is already superseded (or a retraction) does not count and a retraction of it does
  nothing; both are counted as ``conflicts``. Chains work: to correct a correction, name the
  correction.

For any feed where each event is superseded at most once, the final counts therefore equal
the cells of every ADMINISTERED or CORRECTED event that nothing supersedes, whatever the
arrival order, duplication or batching. Counts only ever lose what was added, so no cell
goes negative.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any, Protocol

from services.aggregate.event_state import PENDING, Cohort, StateCodec, StoredState, is_counted
from services.contract.events import EventKind, VaccinationEvent

TableKey = tuple[str, int, str]
"""(LTLA code, dose number, breakdown name): one hash of counts in Redis."""

_TABLE_OF = attrgetter("ltla_code", "dose_number", "vaccination_date")


class Grouping(Protocol):
    """A breakdown as counting needs it: a name and the group of an event."""

    @property
    def name(self) -> str: ...
    @property
    def group_of(self) -> Callable[[Any], str]: ...


@dataclass(slots=True)
class BatchOutcome:
    """Everything one batch changes, ready to be applied atomically.

    ``increments[table][f"{date}|{group}"]`` is the net change of a cell (zeros dropped);
    ``writes[event_id]`` is ``(value read, new value)`` for every event state that changed;
    ``conflicts`` are the positions of the events that reused an id with other content.
    """

    increments: dict[TableKey, dict[str, int]]
    writes: dict[str, tuple[StoredState | None, StoredState]]
    stats: Counter[str]
    conflicts: list[int]


def ids_to_read(events: Iterable[VaccinationEvent]) -> set[str]:
    """The event ids whose stored state a batch of events depends on."""
    ids: set[str] = set()
    for event in events:
        ids.add(event.event_id)
        if event.supersedes_event_id is not None:
            ids.add(event.supersedes_event_id)
    return ids


class BatchCounter:
    """Counts batches for one set of breakdowns against one generation's state codec."""

    def __init__(self, *, breakdowns: Sequence[Grouping], codec: StateCodec) -> None:
        self.breakdowns = tuple(b.name for b in breakdowns)
        self._groupers = tuple((b.name, b.group_of) for b in breakdowns)
        self._codec = codec
        self._iso: dict[date, str] = {}

    def count(
        self,
        events: Sequence[VaccinationEvent],
        stored: Mapping[str, StoredState | None],
    ) -> BatchOutcome:
        """The changes of a batch, given the stored state of every id in ``ids_to_read``."""
        added: list[VaccinationEvent] = []  # counted once each in every breakdown
        removed: list[Cohort] = []  # superseded: their cells come off again
        current: dict[str, StoredState | None] = dict(stored)
        stats: Counter[str] = Counter()
        conflicts: list[int] = []
        codec = self._codec
        counted = 0  # the common case, tallied in a local rather than the Counter
        for position, event in enumerate(events):
            event_id = event.event_id
            state = current.get(event_id)
            if state is not None and state != PENDING:
                if codec.same_content(event, state):
                    stats["duplicates"] += 1
                else:
                    stats["conflicting_duplicates"] += 1
                    conflicts.append(position)
                continue
            target = event.supersedes_event_id
            conflict = False
            if target is not None:
                conflict = not self._supersede(target, current, removed, stats)
                if not conflict:
                    stats["corrected" if event.kind is EventKind.CORRECTED else "retracted"] += 1
            if state == PENDING:
                current[event_id] = codec.arrived(event)
                stats["unparked"] += 1
            elif conflict or event.kind is EventKind.ENTERED_IN_ERROR:
                current[event_id] = codec.arrived(event)
            else:
                added.append(event)
                current[event_id] = codec.counted(event)
                counted += 1
        if counted:
            stats["counted"] += counted
            stats["net_counted"] += counted
        increments: dict[TableKey, dict[str, int]] = {}
        self._add(increments, added, 1)
        self._add(increments, removed, -1)
        return BatchOutcome(
            increments=_nonzero(increments),
            writes={
                i: (before, v)
                for i, v in current.items()
                if v is not None and v != (before := stored.get(i))
            },
            stats=stats,
            conflicts=conflicts,
        )

    def _supersede(
        self,
        target: str,
        current: dict[str, StoredState | None],
        removed: list[Cohort],
        stats: Counter[str],
    ) -> bool:
        """Supersede ``target``; False if it was already superseded or is not countable."""
        state = current.get(target)
        if state is None:
            current[target] = PENDING
            stats["parked"] += 1
        elif is_counted(state):
            removed.append(self._codec.unpack(state))
            current[target] = self._codec.retired(state)
            stats["net_counted"] -= 1
        else:
            stats["conflicts"] += 1
            return False
        return True

    def _add(
        self,
        increments: dict[TableKey, dict[str, int]],
        events: Sequence[VaccinationEvent] | Sequence[Cohort],
        delta: int,
    ) -> None:
        """Add ``delta`` to the cells of ``events`` in every breakdown.

        Events are tallied per breakdown in C (`Counter` over zipped columns), so the Python
        work is per distinct cell of the batch, not per event and breakdown.
        """
        if not events:
            return
        # Each event's (LTLA, dose, date) as a small int: cheaper to hash ten times than a tuple.
        index: dict[tuple[str, int, date], int] = {}
        rows = [index.setdefault(table, len(index)) for table in map(_TABLE_OF, events)]
        days = [self._day_prefix(when) for _, _, when in index]  # "<date>|" of each row
        for name, group_of in self._groupers:
            # The count table of each row in this breakdown, found once per row, not per cell.
            tables = [
                increments.get((ltla, dose, name)) or increments.setdefault((ltla, dose, name), {})
                for ltla, dose, _ in index
            ]
            for (row, group), n in Counter(zip(rows, map(group_of, events), strict=True)).items():
                table, field = tables[row], days[row] + group
                table[field] = table.get(field, 0) + n * delta

    def _day_prefix(self, when: date) -> str:
        prefix = self._iso.get(when)
        if prefix is None:
            prefix = self._iso[when] = f"{when.isoformat()}|"
        return prefix


def _nonzero(increments: dict[TableKey, dict[str, int]]) -> dict[TableKey, dict[str, int]]:
    """The increments without cells whose changes cancelled out, and without empty tables."""
    nonzero: dict[TableKey, dict[str, int]] = {}
    for key, table in increments.items():
        if 0 in table.values():
            table = {field: delta for field, delta in table.items() if delta}
        if table:
            nonzero[key] = table
    return nonzero
