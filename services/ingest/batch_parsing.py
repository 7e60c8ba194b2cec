"""Request bodies into batch items: a JSON array, JSON Lines, or an Avro object container file.

Parsing refuses a body as a whole only when nothing in it can be read one item at a time (not
JSON at all, NaN and infinities included; not an Avro file; wrong media type; no items; too
many items); a single bad JSON line or Avro record becomes an item of its own, refused with a
reason, and the rest go on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import BytesIO

import orjson

from services.contract.container import read_container
from services.contract.errors import CodecError, ContractError
from services.contract.json_codec import json_object
from services.contract.reasons import Reason
from services.ingest.errors import BodyRejected

JSON_TYPES = frozenset({"application/json"})
JSON_LINES_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/jsonl",
        "application/json-lines",
        "application/x-jsonlines",
    }
)
AVRO_TYPES = frozenset({"avro/binary", "application/avro"})
EVENT_TYPES = JSON_TYPES | JSON_LINES_TYPES | AVRO_TYPES


@dataclass(frozen=True, slots=True)
class RawText:
    """Input that could not be parsed at all, kept as text for the dead-letter topic."""

    text: str


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One item of a batch: what to admit, and what was received if that differs.

    `content` is a parsed JSON value (an event object, we hope) or an already decoded
    `VaccinationEvent`; `error` is set when the item could not even be parsed; `source` is
    what the publisher sent when `content` was derived from it (a FHIR resource, a raw line).
    """

    content: object
    error: ContractError | None = None
    source: object = None


def media_type(content_type: str | None) -> str:
    """The bare, lower-case media type of a Content-Type header ('' when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_batch(body: bytes, content_type: str | None, *, max_events: int) -> list[ParsedItem]:
    """The items of an events body; BodyRejected when the body cannot be taken at all."""
    kind = media_type(content_type)
    if kind in JSON_TYPES:
        items = parse_json_array(body)
    elif kind in JSON_LINES_TYPES:
        items = parse_json_lines(body, max_events=max_events)
    elif kind in AVRO_TYPES:
        items = parse_avro_container(body, max_events=max_events)
    else:
        raise BodyRejected(
            "unsupported_media_type",
            f"Content-Type must be one of {', '.join(sorted(EVENT_TYPES))}",
            status=415,
        )
    check_count(len(items), max_events=max_events)
    return items


def check_count(count: int, *, max_events: int) -> None:
    """Refuse an empty batch or one with more events than allowed."""
    if count == 0:
        raise BodyRejected("empty_batch", "the batch has no events")
    if count > max_events:
        raise BodyRejected(
            "too_many_events",
            f"a batch may hold at most {max_events} events; split it",
            status=413,
        )


class NotJsonNumber(ValueError):
    """NaN or an infinity: Python's JSON reader takes them, JSON itself has no such numbers."""


def _refuse_constant(name: str) -> object:
    raise NotJsonNumber(name)


def _loads(text: str) -> object:
    """Strict JSON: names given twice remembered, NaN and infinities refused."""
    return json.loads(text, object_pairs_hook=json_object, parse_constant=_refuse_constant)


def load_json(body: bytes) -> object:
    """The JSON value of a whole body; BodyRejected when it is not UTF-8 JSON."""
    try:
        return _loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BodyRejected("malformed_body", "the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        # The position helps the publisher; the document's text is never echoed.
        raise BodyRejected(
            "malformed_body", f"the body is not JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    except NotJsonNumber:
        raise BodyRejected(
            "malformed_body", "the body holds NaN or Infinity, which are not JSON numbers"
        ) from None
    except ValueError:
        # Python refuses to read integers of more than 4300 digits (a denial-of-service guard).
        raise BodyRejected(
            "malformed_body", "the body holds a number with too many digits"
        ) from None
    except RecursionError:
        raise BodyRejected("malformed_body", "the JSON is nested too deeply") from None


def parse_json_array(body: bytes) -> list[ParsedItem]:
    """Items of a JSON array of events (a single event object is a batch of one)."""
    value = load_json(body)
    if isinstance(value, dict):
        return [ParsedItem(value)]
    if not isinstance(value, list):
        raise BodyRejected("malformed_body", "the body must be a JSON array of event objects")
    return [ParsedItem(v) for v in value]


def parse_json_lines(body: bytes, *, max_events: int) -> list[ParsedItem]:
    """Items of JSON Lines: one event object a line, blank lines ignored."""
    items: list[ParsedItem] = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        items.append(_json_line(line, number))
        if len(items) > max_events:
            break  # check_count refuses it; stop parsing early
    return items


def _json_line(line: bytes, number: int) -> ParsedItem:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    else:
        # orjson is several times faster than the stdlib but keeps the last of two names
        # silently and reads a huge integer as a float. A compact line that orjson writes back
        # byte for byte can hold neither, and the stdlib reads it to the same value; any other
        # line (spaced, escaped, refused) is read by the stdlib, whose answers stay the rule.
        if orjson.dumps(parsed) == line:
            return ParsedItem(parsed)
    try:
        return ParsedItem(_loads(line.decode("utf-8")))
    except (ValueError, RecursionError):
        # ValueError: not UTF-8, not JSON (NaN and infinities included), or an integer of
        # more than 4300 digits.
        error = CodecError(Reason.UNDECODABLE, f"line {number} is not a JSON value")
        return ParsedItem(None, error, RawText(line.decode("utf-8", "replace")))


def parse_avro_container(body: bytes, *, max_events: int) -> list[ParsedItem]:
    """Items of an Avro object container file written with a known event schema."""
    items: list[ParsedItem] = []
    for result in read_container(BytesIO(body)):
        if isinstance(result, CodecError):
            # read_container chains the cause only for a failure that ends the file.
            if result.__cause__ is not None and not items:
                raise BodyRejected("malformed_body", f"the body is not usable Avro: {result}")
            items.append(ParsedItem(None, result))
        else:
            items.append(ParsedItem(result))
        if len(items) > max_events:
            break
    return items
