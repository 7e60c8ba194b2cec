"""Decode and validate the records of a batch: valid events to count, the rest to refuse.

A record is validated as of the day it was appended to the log (its Kafka timestamp, never
later than today), so a replay or rebuild months later accepts and refuses exactly what the
live consumer did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from services.contract.area_lookup import AreaLookup
from services.contract.codec import decode
from services.contract.errors import ContractError
from services.contract.events import VaccinationEvent
from services.contract.validation import validate

_MS_PER_DAY = 86_400_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class LogRecord(Protocol):
    """The parts of a Kafka consumer record the aggregator reads."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: Any
    value: Any


@dataclass(slots=True)
class Refused:
    """A record that is not a valid event (or reuses an event id), and why."""

    record: LogRecord
    error: ContractError
    event_id: str | None = None
    publisher: str | None = None  # the event's source system, when it could be decoded


@dataclass(slots=True)
class Intake:
    """A batch split into valid events (log order within each partition) and refusals."""

    events: list[VaccinationEvent] = field(default_factory=list)
    records: list[LogRecord] = field(default_factory=list)  # the record of each event
    refused: list[Refused] = field(default_factory=list)


class RecordIntake:
    """Decodes with the contract codec and validates with the contract rules."""

    def __init__(self, *, areas: AreaLookup) -> None:
        self._areas = areas
        self._days: dict[int, date] = {}

    def take(self, records: Iterable[LogRecord], *, today: date | None = None) -> Intake:
        """Split records into valid events and refusals; never raises for bad data."""
        now = today or datetime.now(UTC).date()
        intake = Intake()
        events, taken, refused = intake.events, intake.records, intake.refused
        days, areas = self._days, self._areas
        for record in records:
            try:
                event = decode(record.value)
            except ContractError as exc:
                refused.append(Refused(record, exc))
                continue
            stamp = record.timestamp
            day = now
            if stamp is not None and stamp >= 0:
                day = days.get(stamp // _MS_PER_DAY) or self._day(stamp // _MS_PER_DAY)
            try:
                events.append(validate(event, areas=areas, today=min(day, now)))
                taken.append(record)
            except ContractError as exc:
                refused.append(Refused(record, exc, event.event_id or None, event.source_system))
        return intake

    def _day(self, day_number: int) -> date:
        day = self._days[day_number] = date.fromordinal(_EPOCH_ORDINAL + day_number)
        return day
