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

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from services.aggregate.event_state import PENDING, Cohort, StateCodec, StoredState, is_counted
from services.contract.events import EventKind, VaccinationEvent

TableKey = tuple[str, int, str]
"""(LTLA code, dose number, breakdown name): one hash of counts in Redis."""


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
        cells: defaultdict[tuple[str, int, str, str, str], int] = defaultdict(int)
        current: dict[str, StoredState | None] = dict(stored)
        stats: Counter[str] = Counter()
        conflicts: list[int] = []
        codec, add = self._codec, self._add
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
                conflict = not self._supersede(target, current, cells, stats)
                if not conflict:
                    stats["corrected" if event.kind is EventKind.CORRECTED else "retracted"] += 1
            if state == PENDING:
                current[event_id] = codec.arrived(event)
                stats["unparked"] += 1
            elif conflict or event.kind is EventKind.ENTERED_IN_ERROR:
                current[event_id] = codec.arrived(event)
            else:
                add(cells, event, 1)
                current[event_id] = codec.counted(event)
                stats["counted"] += 1
                stats["net_counted"] += 1
        return BatchOutcome(
            increments=_nest(cells),
            writes={
                i: (stored.get(i), v)
                for i, v in current.items()
                if v is not None and v != stored.get(i)
            },
            stats=stats,
            conflicts=conflicts,
        )

    def _supersede(
        self,
        target: str,
        current: dict[str, StoredState | None],
        cells: defaultdict[tuple[str, int, str, str, str], int],
        stats: Counter[str],
    ) -> bool:
        """Supersede ``target``; False if it was already superseded or is not countable."""
        state = current.get(target)
        if state is None:
            current[target] = PENDING
            stats["parked"] += 1
        elif is_counted(state):
            self._add(cells, self._codec.unpack(state), -1)
            current[target] = self._codec.retired(state)
            stats["net_counted"] -= 1
        else:
            stats["conflicts"] += 1
            return False
        return True

    def _add(
        self,
        cells: defaultdict[tuple[str, int, str, str, str], int],
        event: VaccinationEvent | Cohort,
        delta: int,
    ) -> None:
        when = event.vaccination_date
        day = self._iso.get(when)
        if day is None:
            day = self._iso[when] = when.isoformat()
        ltla, dose = event.ltla_code, event.dose_number
        for name, group_of in self._groupers:
            cells[ltla, dose, name, day, group_of(event)] += delta


def _nest(cells: dict[tuple[str, int, str, str, str], int]) -> dict[TableKey, dict[str, int]]:
    nested: dict[TableKey, dict[str, int]] = {}
    for (ltla, dose, name, day, group), delta in cells.items():
        if delta:
            table = nested.get((ltla, dose, name))
            if table is None:
                table = nested[(ltla, dose, name)] = {}
            table[f"{day}|{group}"] = delta
    return nested
