"""Writers for the simulated feed: JSON Lines, CSV and Avro container files.

JSON Lines and CSV carry the JSON form of `services.contract.json_codec`, with the person as
`nhs_number` (for the HTTP and file ingest paths) or as the pseudonymised `person_key`. CSV has
one column per JSON field in a stable order; empty cells are nulls and booleans are
`true`/`false`. Avro container files always carry person keys (they feed Kafka directly), so
records with an invalid NHS number, which have no person key, are left out of them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import fields
from typing import IO, Any

import orjson

from services.contract.container import write_container
from services.contract.events import VaccinationEvent
from services.contract.json_codec import event_to_json
from services.contract.reasons import Reason
from services.ingest.simulator import SimulatedRecord

PERSON_COLUMNS = {True: "nhs_number", False: "person_key"}
_JSON_FIELDS = tuple(f.name for f in fields(VaccinationEvent))


def csv_columns(*, with_nhs_numbers: bool) -> tuple[str, ...]:
    """The CSV header: the JSON fields in order, with the chosen person identifier."""
    return tuple(
        PERSON_COLUMNS[with_nhs_numbers] if name == "person_key" else name for name in _JSON_FIELDS
    )


def record_to_json(record: SimulatedRecord, *, with_nhs_numbers: bool) -> dict[str, Any]:
    """The JSON object a publisher would send for this record."""
    obj = event_to_json(record.event)
    if with_nhs_numbers:
        # Rebuilt so nhs_number takes person_key's place in the field order.
        return {
            ("nhs_number" if k == "person_key" else k): (
                record.nhs_number if k == "person_key" else v
            )
            for k, v in obj.items()
        }
    return obj


def jsonl_line(record: SimulatedRecord, *, with_nhs_numbers: bool = True) -> bytes:
    """One record as a JSON Lines line (without the newline)."""
    # orjson writes a dataclass exactly as event_to_json does (field order, ISO dates, enum
    # values), several times faster; the person key is then swapped for the NHS number.
    line = orjson.dumps(record.event)
    if with_nhs_numbers:
        key = record.event.person_key
        line = line.replace(
            b'"person_key":"' + key.encode() + b'"',
            b'"nhs_number":"' + record.nhs_number.encode() + b'"',
            1,
        )
    return line


def write_jsonl(
    records: Iterable[SimulatedRecord], fileobj: IO[bytes], *, with_nhs_numbers: bool = True
) -> int:
    """Write one JSON object per line; returns the number written."""
    written = 0
    batch: list[bytes] = []
    for record in records:
        batch.append(jsonl_line(record, with_nhs_numbers=with_nhs_numbers))
        if len(batch) >= 10_000:
            written += _flush(batch, fileobj)
    return written + _flush(batch, fileobj)


def _flush(batch: list[bytes], fileobj: IO[bytes]) -> int:
    if batch:
        fileobj.write(b"\n".join(batch) + b"\n")
    count = len(batch)
    batch.clear()
    return count


def write_csv(
    records: Iterable[SimulatedRecord], fileobj: IO[str], *, with_nhs_numbers: bool = True
) -> int:
    """Write a header and one row per record; returns the number of records written."""
    out = csv.writer(fileobj, lineterminator="\n")
    out.writerow(csv_columns(with_nhs_numbers=with_nhs_numbers))
    written = 0
    for record in records:
        obj = record_to_json(record, with_nhs_numbers=with_nhs_numbers)
        out.writerow(_cell(value) for value in obj.values())
        written += 1
    return written


def _cell(value: object) -> object:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def write_avro(records: Iterable[SimulatedRecord], fileobj: IO[bytes]) -> int:
    """Write an Avro container file of the records that have a person key."""
    kept = [r.event for r in records if r.reason is not Reason.INVALID_NHS_NUMBER]
    write_container(kept, fileobj)
    return len(kept)
