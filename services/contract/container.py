"""Avro object container files of vaccination events, for bulk files and replays."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

from fastavro import reader, writer
from fastavro.read import SchemaResolutionError

from services.contract.codec import event_to_record, parsed_event_schema, record_to_event
from services.contract.errors import CodecError
from services.contract.events import VaccinationEvent
from services.contract.reasons import Reason


def write_container(
    events: Iterable[VaccinationEvent], fileobj: IO[bytes], *, codec: str = "deflate"
) -> None:
    """Write events as an Avro object container file with the current schema."""
    writer(fileobj, parsed_event_schema(), (event_to_record(e) for e in events), codec=codec)


def read_container(fileobj: IO[bytes]) -> Iterator[VaccinationEvent | CodecError]:
    """Events of an Avro container file, resolved to the current schema; never raises.

    A record that decodes but is not a valid event is yielded as a CodecError and reading
    goes on; a failure that makes the rest of the file unreadable is yielded last.
    """
    try:
        records = iter(reader(fileobj, reader_schema=parsed_event_schema()))
    except Exception as exc:
        yield _file_error(exc)
        return
    record: Any
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as exc:
            yield _file_error(exc)
            return
        try:
            event = record_to_event(record)
        except CodecError as exc:
            yield exc
            continue
        yield event


def _file_error(exc: Exception) -> CodecError:
    if isinstance(exc, SchemaResolutionError):
        error = CodecError(Reason.UNKNOWN_SCHEMA, "file schema cannot be read as an event")
    else:
        error = CodecError(Reason.UNDECODABLE, "file is not a readable Avro container")
    error.__cause__ = exc
    return error
