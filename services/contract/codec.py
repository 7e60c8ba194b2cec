"""Avro codec of vaccination events: single-object bytes, one event per Kafka record.

Writers may use any known schema version; readers pick the writer schema by its fingerprint
and resolve it to the current schema by Avro's rules. Schemas are parsed once, on first use.
Timestamps travel with millisecond precision (timestamp-millis), so finer parts are dropped.
`decode` is on the aggregator's hot path and `encode` on the ingest's: each known schema
version has a compiled reader and writer (`avro_reader`, `avro_writer`), with fastavro as the
fallback for anything they do not take, so answers and errors stay fastavro's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from functools import cache, partial
from io import BytesIO
from typing import Any, cast

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from services.contract.avro_reader import compile_reader
from services.contract.avro_writer import compile_writer, day_number, epoch_millis
from services.contract.errors import CodecError
from services.contract.events import EventKind, Sex, SiteType, VaccinationEvent
from services.contract.reasons import Reason
from services.contract.schema_files import (
    CURRENT_EVENT_VERSION,
    EVENT_SCHEMA_VERSIONS,
    event_schema,
)
from services.contract.single_object import HEADER_LENGTH, MAGIC, header, schema_fingerprint

_FIELD_NAMES = tuple(f.name for f in fields(VaccinationEvent))
_KINDS = {k.value: k for k in EventKind}
_SEXES = {s.value: s for s in Sex}
_SITE_TYPES = {s.value: s for s in SiteType}
_SLOT_SETTERS = tuple((getattr(VaccinationEvent, name).__set__, name) for name in _FIELD_NAMES)
_new = object.__new__
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FLOAT_SAFE_MILLIS = 7_000_000_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class _Writer:
    """How to read bodies written with one known schema version."""

    fingerprint: bytes
    published: dict[str, Any]  # parsed, with logical types: for writing and container files
    plain: dict[str, Any]  # parsed, logical types stripped: the fast single-object path
    resolve: bool  # True if fastavro must resolve it to the current schema
    defaults: dict[str, Any]  # current-schema fields this version lacks, with their defaults


@dataclass(frozen=True, slots=True)
class _Schemas:
    current: _Writer
    by_version: dict[int, _Writer]


def _strip_logical_types(schema: dict[str, Any]) -> dict[str, Any]:
    # Converting dates ourselves is measurably faster than fastavro's logical readers.
    fields_ = [
        {**f, "type": f["type"]["type"]}
        if isinstance(f["type"], dict) and "logicalType" in f["type"]
        else f
        for f in schema["fields"]
    ]
    return {**schema, "fields": fields_}


def _writer(raw: dict[str, Any], current: dict[str, Any]) -> _Writer:
    # A version that only lacks some current fields (each with a default) is read with its own
    # schema and topped up with those defaults, which skips fastavro's slower resolution path.
    current_fields = {f["name"]: f for f in current["fields"]}
    own = raw["fields"]
    additive = all(current_fields.get(f["name"]) == f for f in own)
    missing = [f for name, f in current_fields.items() if name not in {g["name"] for g in own}]
    additive = additive and all("default" in f for f in missing)
    return _Writer(
        fingerprint=schema_fingerprint(raw),
        published=_parse(raw),
        plain=_parse(_strip_logical_types(raw)),
        resolve=not additive,
        defaults={f["name"]: f["default"] for f in missing} if additive else {},
    )


def _parse(raw: dict[str, Any]) -> dict[str, Any]:
    parsed = cast("dict[str, Any]", parse_schema(raw))
    return parsed


@cache
def _schemas() -> _Schemas:
    current_raw = event_schema(CURRENT_EVENT_VERSION)
    by_version = {v: _writer(event_schema(v), current_raw) for v in EVENT_SCHEMA_VERSIONS}
    return _Schemas(
        current=by_version[CURRENT_EVENT_VERSION],
        by_version=by_version,
    )


def parsed_event_schema(version: int = CURRENT_EVENT_VERSION) -> dict[str, Any]:
    """The fastavro-parsed event schema of a version, with its logical types."""
    return _schemas().by_version[version].published


def fingerprints() -> dict[int, bytes]:
    """The 8-byte CRC-64-AVRO fingerprint of every known event schema version."""
    return {version: w.fingerprint for version, w in _schemas().by_version.items()}


def event_to_record(event: VaccinationEvent) -> dict[str, Any]:
    """The Avro record (plain dict) of an event, for writers using fastavro directly."""
    return {name: getattr(event, name) for name in _FIELD_NAMES}


def record_to_event(record: dict[str, Any]) -> VaccinationEvent:
    """The event of a record read with the current reader schema; consumes the dict."""
    days = record["vaccination_date"]
    if type(days) is int:
        record["vaccination_date"] = date.fromordinal(_EPOCH_ORDINAL + days)
        record["recorded_at"] = _timestamp(record["recorded_at"])
    record["kind"] = _KINDS[record["kind"]]
    sex = _SEXES.get(record["sex"])
    if sex is None:
        raise CodecError(Reason.UNKNOWN_SEX, "sex is not a known value", "sex")
    record["sex"] = sex
    site_type = _SITE_TYPES.get(record["site_type"])
    if site_type is None:
        raise CodecError(Reason.UNKNOWN_SITE_TYPE, "site_type is not a known value", "site_type")
    record["site_type"] = site_type
    # The frozen dataclass __init__ sets each field through object.__setattr__, which is a
    # quarter of the decode time; the slot descriptors store the same values directly.
    event = _new(VaccinationEvent)
    for set_slot, name in _SLOT_SETTERS:
        set_slot(event, record[name])
    return event


def _timestamp(millis: int) -> datetime:
    # Float seconds are exact to the microsecond until about 2200; beyond, use integer maths.
    if 0 <= millis < _FLOAT_SAFE_MILLIS:
        return datetime.fromtimestamp(millis / 1000, UTC)
    return _EPOCH + timedelta(milliseconds=millis)


def encode(event: VaccinationEvent, *, version: int = CURRENT_EVENT_VERSION) -> bytes:
    """Single-object Avro bytes of an event, written with the given (default current) schema."""
    try:
        schema = _schemas().by_version[version]
    except KeyError:
        raise ValueError(f"no vaccination event schema version {version}") from None
    compiled = _WRITERS.get(version) or _compiled_writer(version, schema)
    try:
        return compiled(event)
    except Exception:  # fastavro, below, gives the canonical answer or error
        pass
    out = BytesIO()
    out.write(header(schema.fingerprint))
    try:
        schemaless_writer(out, schema.published, event_to_record(event))
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise CodecError(Reason.WRONG_TYPE, "event does not fit the schema") from exc
    return out.getvalue()


_Reader = tuple[
    dict[str, Any],  # writer schema
    dict[str, Any] | None,  # reader schema, when fastavro must resolve
    dict[str, Any] | None,  # defaults to top up
    Callable[[bytes, int], VaccinationEvent] | None,  # the compiled reader (`avro_reader`)
]
# schema version -> its compiled writer (`avro_writer`); one that always refuses if none.
_WRITERS: dict[int, Callable[[VaccinationEvent], bytes]] = {}


def _compiled_writer(version: int, schema: _Writer) -> Callable[[VaccinationEvent], bytes]:
    compiled = compile_writer(
        schema.plain["fields"],
        header=header(schema.fingerprint),
        convert={"vaccination_date": day_number, "recorded_at": epoch_millis},
    )
    _WRITERS[version] = compiled or _refuse_compiled
    return _WRITERS[version]


def _refuse_compiled(event: VaccinationEvent) -> bytes:
    raise TypeError("no compiled writer: write with fastavro")


# fingerprint -> how to read it; filled on first decode. A plain module dict keeps the
# per-record lookup to one hash probe.
_READERS: dict[bytes, _Reader] = {}


def _readers() -> dict[bytes, _Reader]:
    if not _READERS:
        schemas = _schemas()
        for w in schemas.by_version.values():
            reader_schema = schemas.current.plain if w.resolve else None
            _READERS[w.fingerprint] = (w.plain, reader_schema, w.defaults or None, _compiled(w))
    return _READERS


def _compiled(writer: _Writer) -> Callable[[bytes, int], VaccinationEvent] | None:
    """The writer's compiled reader, building events as `record_to_event` does."""
    if writer.resolve:
        return None
    return compile_reader(
        writer.plain["fields"],
        make=partial(_new, VaccinationEvent),
        slots={name: set_slot for set_slot, name in _SLOT_SETTERS},
        convert={
            "kind": _KINDS.__getitem__,
            "vaccination_date": _date_of_day,
            "recorded_at": _timestamp,
            "sex": _SEXES.__getitem__,
            "site_type": _SITE_TYPES.__getitem__,
        },
        defaults=writer.defaults,
    )


def _date_of_day(days: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + days)


def decode(data: bytes) -> VaccinationEvent:
    """The event in single-object Avro bytes of any known schema version; else CodecError."""
    if type(data) is not bytes:
        if not isinstance(data, bytearray | memoryview):
            raise CodecError(Reason.UNDECODABLE, "record value is not bytes")
        data = bytes(data)
    if not data.startswith(MAGIC):
        raise CodecError(Reason.BAD_MAGIC, "record does not start with Avro single-object magic")
    found = (_READERS or _readers()).get(data[2:HEADER_LENGTH])
    if found is None:
        if len(data) < HEADER_LENGTH:
            raise CodecError(Reason.UNDECODABLE, "record is shorter than the single-object header")
        raise CodecError(
            Reason.UNKNOWN_SCHEMA, f"no known schema has fingerprint {data[2:HEADER_LENGTH].hex()}"
        )
    writer_schema, reader_schema, defaults, compiled = found
    if compiled is not None:
        try:
            return compiled(data, HEADER_LENGTH)
        except Exception:  # fastavro, below, gives the canonical answer or error
            pass
    body = BytesIO(data)
    body.seek(HEADER_LENGTH)
    try:
        record = schemaless_reader(body, writer_schema, reader_schema)
        if body.tell() != len(data):
            raise CodecError(Reason.UNDECODABLE, "record has bytes after the event")
        if defaults:
            record.update(defaults)  # type: ignore[union-attr]
        return record_to_event(record)  # type: ignore[arg-type]
    except CodecError:
        raise
    except Exception as exc:
        # fastavro signals bad bodies with many exception types (EOFError, ValueError, ...),
        # and out-of-range dates surface only when converted.
        raise CodecError(Reason.UNDECODABLE, "record body does not match its schema") from exc
