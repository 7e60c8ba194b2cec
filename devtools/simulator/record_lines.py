"""One simulated record as a JSON Lines line or a CSV row, and how each format writes a value.

JSON Lines and CSV carry the JSON form of `services.contract.json_codec`, with the person as
`nhs_number` (for the HTTP and file ingest paths) or as the pseudonymised `person_key`. CSV has
one column per JSON field in a stable order; empty cells are nulls and booleans are
`true`/`false`; cells are quoted as the standard `csv` module quotes them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from enum import Enum
from typing import Any

import orjson

from devtools.simulator.config import SimulatedRecord
from services.contract.events import VaccinationEvent
from services.contract.json_codec import event_to_json

PERSON_COLUMNS = {True: "nhs_number", False: "person_key"}
# Printable ASCII but the delimiter and the quote is never quoted; the csv module decides the rest.
_NEEDS_QUOTES = re.compile(r'^$|[^ -~]|[,"]')
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
            b'"person_key":' + orjson.dumps(key),
            b'"nhs_number":' + orjson.dumps(record.nhs_number),
            1,
        )
    return line


def csv_cell(value: object) -> str:
    """A JSON value as a CSV cell: empty for null, true/false, quoted only where needed."""
    if value is None:
        return ""
    if type(value) is bool:
        return "true" if value else "false"
    if isinstance(value, Enum):
        value = value.value
    elif isinstance(value, date):
        value = value.isoformat()
    text = str(value)
    if not _NEEDS_QUOTES.search(text):
        return text
    if not text:
        return ""  # the csv module quotes an empty cell only when it is alone on its row
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow((text,))
    return out.getvalue()[:-1]


def csv_row(record: SimulatedRecord, *, with_nhs_numbers: bool = True) -> str:
    """One record as a CSV row, with its newline."""
    obj = record_to_json(record, with_nhs_numbers=with_nhs_numbers)
    return ",".join(map(csv_cell, obj.values())) + "\n"


def _json_value(value: object) -> str:
    return orjson.dumps(value).decode()


@dataclass(frozen=True)
class TextFormat:
    """How a line-based format writes a record: the text around and between its values."""

    head: str  # before the first value
    end: str  # after the last value, with the newline
    quote: str  # around a string value that needs no escaping
    key: Callable[[str], str]  # what comes before the value of a field other than the first
    value: Callable[[object], str]  # a whole value (a JSON value, or a CSV cell)
    line: Callable[[SimulatedRecord], str]  # a whole record, with its newline
    person: str  # the person field's name

    def field(self, name: str, value: object) -> str:
        """A field other than the first, with what comes before its value."""
        return self.key(name) + self.value(value)

    def body(self, text: str) -> str:
        """A string value as it goes between the format's quotes (escaped where needed)."""
        whole = self.value(text)
        return whole[len(self.quote) : len(whole) - len(self.quote)]


def jsonl_format(*, with_nhs_numbers: bool) -> TextFormat:
    """JSON Lines: one JSON object per line, in the contract's field order."""
    return TextFormat(
        head='{"event_id":',
        end="}\n",
        quote='"',
        key=lambda name: f',"{name}":',
        value=_json_value,
        line=lambda r: jsonl_line(r, with_nhs_numbers=with_nhs_numbers).decode() + "\n",
        person=PERSON_COLUMNS[with_nhs_numbers],
    )


def csv_format(*, with_nhs_numbers: bool) -> TextFormat:
    """CSV rows in the order of `csv_columns` (the header is written separately)."""
    return TextFormat(
        head="",
        end="\n",
        quote="",
        key=lambda name: ",",
        value=csv_cell,
        line=lambda r: csv_row(r, with_nhs_numbers=with_nhs_numbers),
        person=PERSON_COLUMNS[with_nhs_numbers],
    )
