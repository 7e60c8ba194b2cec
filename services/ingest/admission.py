"""Admit or refuse each item of a batch: parse into an event, stamp its publisher, validate.

The publisher's credential name is recorded as every event's `source_system`, replacing what
the item says, so the source of an event is always the authenticated publisher. No field but
`nhs_number` may hold what reads as an NHS number. What is kept of a refused item goes to the
dead-letter topic, where `services.contract.redaction` removes every NHS number from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date

from services.contract.area_lookup import AreaLookup
from services.contract.codec import encode
from services.contract.errors import ContractError
from services.contract.events import VaccinationEvent
from services.contract.json_codec import KNOWN_FIELDS, event_from_json, refuse_repeated_names
from services.contract.nhs_screen import any_holds_nhs_number
from services.contract.pseudonym import Pseudonymiser
from services.contract.redaction import redact_text
from services.contract.validation import refuse_nhs_numbers, validate
from services.ingest.batch_parsing import ParsedItem, RawText

_MAX_REPORTED_ID = 128


@dataclass(slots=True)  # not frozen: one per event, and frozen ones are slow to make
class Accepted:
    """A valid event and its single-object Avro bytes, ready for the events topic."""

    event: VaccinationEvent
    value: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    """A refused item: the reason, its event id if readable, and what to dead-letter."""

    error: ContractError
    event_id: str | None
    original: bytes


@dataclass(frozen=True, slots=True)
class Admission:
    """The rules every item of a batch from one publisher is admitted by."""

    publisher: str
    pseudonymiser: Pseudonymiser
    areas: AreaLookup
    today: date

    def admit(self, item: ParsedItem) -> Accepted | Rejected:
        """The item as a valid event, or refused with its reason."""
        if item.error is not None:
            return self._rejected(item, item.error)
        try:
            event = validate(self._event(item.content), areas=self.areas, today=self.today)
            return Accepted(event, encode(event))
        except ContractError as error:
            return self._rejected(item, error)

    def refuse(self, item: ParsedItem, error: ContractError) -> Rejected:
        """The item refused for ``error``, found by a rule over the whole batch."""
        return self._rejected(item, error)

    def _event(self, content: object) -> VaccinationEvent:
        if isinstance(content, VaccinationEvent):
            return replace(content, source_system=self.publisher)
        if isinstance(content, dict):
            refuse_repeated_names(content)  # before the copy, which forgets them
            # Before any other rule, so that the reason names the field whatever else is wrong.
            # The screen of all values at once is fast; finding which field to name is not.
            if any_holds_nhs_number([v for k, v in content.items() if k != "nhs_number"]):
                refuse_nhs_numbers(
                    (k if k in KNOWN_FIELDS else None, v)
                    for k, v in content.items()
                    if k != "nhs_number"
                )
            content = {**content, "source_system": self.publisher}
        return event_from_json(content, pseudonymiser=self.pseudonymiser)

    def _rejected(self, item: ParsedItem, error: ContractError) -> Rejected:
        return Rejected(error, reported_event_id(item.content), original_bytes(item))


def reported_event_id(content: object) -> str | None:
    """The item's event id, if it has a readable one that is safe to repeat back."""
    if isinstance(content, VaccinationEvent):
        event_id: object = content.event_id
    elif isinstance(content, dict):
        event_id = content.get("event_id")
    else:
        return None
    if not isinstance(event_id, str) or not event_id or len(event_id) > _MAX_REPORTED_ID:
        return None
    if not _is_utf8_text(event_id):
        return None  # a lone surrogate (escaped in JSON) cannot be written back in an answer
    return redact_text(event_id)


def original_bytes(item: ParsedItem) -> bytes:
    """The item as received, as bytes for its dead letter (which redacts and cuts them)."""
    source = item.source if item.source is not None else item.content
    if isinstance(source, RawText):
        return source.text.encode()
    if isinstance(source, VaccinationEvent):
        return encode(source)
    if source is None:
        return b""
    try:
        text = json.dumps(source, ensure_ascii=False)
    except (RecursionError, ValueError):
        return b'"[unreadable]"'
    # A lone surrogate (sent escaped) has no UTF-8 form; in JSON text it can only sit inside
    # a string, where its backslash escape is exactly what the publisher sent.
    return text.encode("utf-8", "backslashreplace")


def _is_utf8_text(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
