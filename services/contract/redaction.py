"""Remove NHS numbers from whatever is kept of refused input: the one redaction of dead letters.

A refused item is kept (in the dead-letter topic) so it can be fixed and resent, but no NHS
number may be kept with it, whichever stage refused it and whatever it was: a JSON object, a
line that is not JSON, a FHIR resource, an Avro event, or bytes nobody could decode. So

- in JSON, the `nhs_number` field and FHIR NHS-number identifiers are always blanked, valid or
  not, and every other string, name and integer is searched (`nhs_numbers`);
- an Avro event has every text field searched (and is written again only if one changed);
- text that is not JSON is searched, and a `"nhs_number": "…"` in it is blanked all the same;
- bytes that are neither are searched digit by digit, inside runs of up to twelve digits
  too, since their framing may have glued a digit or two to a number.

What is kept is cut to `MAX_KEPT_BYTES` (ending in `...[cut]`) so that every dead letter fits
one Kafka record; no valid event comes near that size. `redact_dead_letter` applies all this
to every text of a dead letter, and is what every stage writes; `publisher_label` is the
publisher's name as dead-letter counts and metrics show it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Final

from services.contract.codec import decode, encode
from services.contract.dead_letter import DeadLetter
from services.contract.errors import CodecError
from services.contract.events import VaccinationEvent
from services.contract.nhs_numbers import is_nhs_number_digits, nhs_number_spans
from services.contract.single_object import MAGIC

REDACTED: Final = "[redacted]"
NHS_NUMBER_SYSTEM: Final = "https://fhir.nhs.uk/Id/nhs-number"
# A dead letter must fit one Kafka record (about 1 MB by default); no valid event comes near.
MAX_KEPT_BYTES: Final = 64 * 1024
_CUT_MARK: Final = b"...[cut]"
_LABEL_LENGTH: Final = 64
_NHS_FIELDS: Final = frozenset({"nhs_number"})
# The value of an nhs_number field in text that is not (or no longer) parseable JSON.
_NHS_FIELD_TEXT: Final = re.compile(r'("nhs_number"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\s]+)')


def redact_text(text: str) -> str:
    """The text with every NHS number in it replaced by a marker."""
    spans = nhs_number_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    done = 0
    for start, end in spans:
        parts += [text[done:start], REDACTED]
        done = end
    parts.append(text[done:])
    return "".join(parts)


def redact_json(value: Any) -> Any:
    """A copy of a parsed JSON value with NHS numbers removed (see the module docstring)."""
    if isinstance(value, str):
        return redact_text(value[:MAX_KEPT_BYTES])  # the rest would be cut anyway
    if type(value) is int and 10**9 <= value < 10**10 and is_nhs_number_digits(str(value)):
        return REDACTED
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    if isinstance(value, dict):
        blank_value = value.get("system") == NHS_NUMBER_SYSTEM
        out: dict[Any, Any] = {}
        for key, item in value.items():
            name = redact_text(key) if isinstance(key, str) else key
            if key in _NHS_FIELDS or (blank_value and key == "value"):
                out[name] = None if item is None else REDACTED
            else:
                out[name] = redact_json(item)
        return out
    return value


def redact_event(event: VaccinationEvent) -> VaccinationEvent:
    """The event with any NHS number in its text fields removed."""
    changes: dict[str, Any] = {}
    for name in VaccinationEvent.__slots__:
        value = getattr(event, name)
        if isinstance(value, str) and (kept := redact_text(value[:MAX_KEPT_BYTES])) != value:
            changes[name] = kept
    return replace(event, **changes) if changes else event


def redact_original(data: bytes) -> bytes:
    """What may be kept of refused bytes: NHS numbers removed, cut to `MAX_KEPT_BYTES`."""
    return _cut(_redacted(data))


def redact_dead_letter(letter: DeadLetter) -> DeadLetter:
    """The dead letter with NHS numbers removed from everything it holds."""
    return replace(
        letter,
        original=redact_original(letter.original),
        reason=redact_text(letter.reason),
        message=redact_text(letter.message),
        field=_optional(letter.field),
        event_id=_optional(letter.event_id),
        topic=_optional(letter.topic),
        publisher=_optional(letter.publisher),
    )


def publisher_label(name: str | None) -> str:
    """A publisher's name as a metric label or a count's field: NHS numbers redacted (a direct
    producer's `source_system` is any text), printable, at most 64 characters; "" when not
    known (a record that could not be decoded)."""
    if not name:
        return ""
    text = redact_text(name[: 4 * _LABEL_LENGTH])[:_LABEL_LENGTH]
    return "".join(c if c.isprintable() else "?" for c in text)


def _optional(text: str | None) -> str | None:
    return None if text is None else redact_text(text)


def _redacted(data: bytes) -> bytes:
    if data[:2] == MAGIC:
        try:
            event = decode(data)
        except CodecError:
            pass
        else:
            kept = redact_event(event)
            return data if kept is event else encode(kept)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _redacted_bytes(data)
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return _redacted_text(text[:MAX_KEPT_BYTES]).encode("utf-8", "backslashreplace")
    if isinstance(document, str | int) and not isinstance(document, bool):
        kept = redact_json(document)
        return text.encode() if kept == document else json.dumps(kept).encode()
    try:
        kept_text = json.dumps(redact_json(document), ensure_ascii=False)
    except (RecursionError, ValueError):
        return b'"[unreadable]"'
    # A lone surrogate (sent escaped) has no UTF-8 form; in JSON text it can only sit inside
    # a string, where its backslash escape is exactly what the publisher sent.
    return kept_text.encode("utf-8", "backslashreplace")


def _redacted_text(text: str) -> str:
    text = _NHS_FIELD_TEXT.sub(lambda m: f'{m.group(1)}"{REDACTED}"', text)
    return redact_text(text)


def _redacted_bytes(data: bytes) -> bytes:
    # Latin-1 maps every byte to one character, so positions and other bytes are kept.
    text = data[:MAX_KEPT_BYTES].decode("latin-1")
    text = _NHS_FIELD_TEXT.sub(lambda m: f'{m.group(1)}"{REDACTED}"', text)
    spans = nhs_number_spans(text, inside_longer_numbers=True)
    for start, end in reversed(spans):
        text = text[:start] + REDACTED + text[end:]
    return text.encode("latin-1")


def _cut(original: bytes) -> bytes:
    if len(original) <= MAX_KEPT_BYTES:
        return original
    return original[: MAX_KEPT_BYTES - len(_CUT_MARK)] + _CUT_MARK
