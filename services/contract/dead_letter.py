"""Dead letters: refused input kept with its reason, framed like events for the DLQ topic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from io import BytesIO
from typing import Any, cast

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from services.contract.errors import CodecError, ContractError
from services.contract.reasons import Reason
from services.contract.schema_files import dead_letter_schema
from services.contract.single_object import HEADER_LENGTH, MAGIC, header, schema_fingerprint


class Stage(StrEnum):
    """Pipeline stage that refused the record."""

    INGEST = "ingest"
    AGGREGATE = "aggregate"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One refused record, with the reason code and where it came from.

    `reason` is a `Reason` value; it is kept as a plain string so dead letters written by a
    newer release with a reason this one does not know still load.
    """

    original: bytes
    reason: str
    message: str
    stage: Stage
    failed_at: datetime
    field: str | None = None
    event_id: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    publisher: str | None = None

    @classmethod
    def from_error(
        cls,
        error: ContractError,
        *,
        original: bytes,
        stage: Stage,
        failed_at: datetime,
        **source: Any,
    ) -> DeadLetter:
        """A dead letter for a contract error; `source` names event_id/topic/partition/..."""
        return cls(
            original=original,
            reason=error.reason.value,
            message=error.message,
            stage=stage,
            failed_at=failed_at,
            field=error.field,
            **source,
        )


@cache
def _schema() -> tuple[bytes, dict[str, Any]]:
    raw = dead_letter_schema()
    parsed = cast("dict[str, Any]", parse_schema(raw))
    return header(schema_fingerprint(raw)), parsed


def encode_dead_letter(letter: DeadLetter) -> bytes:
    """Single-object Avro bytes of a dead letter."""
    head, schema = _schema()
    out = BytesIO()
    out.write(head)
    record = {name: getattr(letter, name) for name in DeadLetter.__slots__}
    record["stage"] = letter.stage.value
    schemaless_writer(out, schema, record)
    return out.getvalue()


def decode_dead_letter(data: bytes) -> DeadLetter:
    """The dead letter in single-object Avro bytes; CodecError if they are not one."""
    head, schema = _schema()
    if not isinstance(data, bytes | bytearray):
        raise CodecError(Reason.UNDECODABLE, "record value is not bytes")
    if data[:2] != MAGIC:
        raise CodecError(Reason.BAD_MAGIC, "record does not start with Avro single-object magic")
    if data[:HEADER_LENGTH] != head:
        raise CodecError(Reason.UNKNOWN_SCHEMA, "record is not written with the dead-letter schema")
    body = BytesIO(data)
    body.seek(HEADER_LENGTH)
    try:
        record = schemaless_reader(body, schema, None)
        if body.tell() != len(data) or not isinstance(record, dict):
            raise ValueError("trailing bytes")
        record["stage"] = Stage(record["stage"])
        return DeadLetter(**record)
    except Exception as exc:
        raise CodecError(Reason.UNDECODABLE, "dead letter body does not match its schema") from exc
