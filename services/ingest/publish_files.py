"""Files of events cut into request bodies for the ingest API: JSON Lines, CSV or Avro.

JSON Lines lines are sent as they are. CSV rows (a header naming the JSON fields, as the
simulator writes them) become JSON objects: empty cells are left out (null), `true`/`false`
are booleans and the integer fields are integers when they read as one — anything else is
sent as text, for the ingest to refuse with a reason. Avro container files are re-cut into
smaller container files with the file's own writer schema, records untouched.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from itertools import islice
from pathlib import Path
from typing import Any

from fastavro import reader, writer

FORMATS = ("jsonl", "csv", "avro")
JSON_LINES_TYPE = "application/x-ndjson"
AVRO_TYPE = "avro/binary"
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".avro": "avro"}
_INT_FIELDS = frozenset({"dose_number", "age_years", "jcvi_group", "imd_decile"})
_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True, slots=True)
class Batch:
    """One request body and how many events it holds."""

    body: bytes
    content_type: str
    count: int


def file_format(path: Path, explicit: str | None = None) -> str:
    """The file's format: as given, else from its suffix; ValueError if unknown."""
    fmt = explicit or _SUFFIXES.get(path.suffix.lower())
    if fmt not in FORMATS:
        raise ValueError(f"cannot tell the format of {path.name}; use --format jsonl|csv|avro")
    return fmt


def count_events(path: Path, fmt: str) -> int | None:
    """How many events the file holds (None when that needs decoding it all)."""
    if fmt == "avro":
        return None
    with path.open("rb") as f:
        lines = sum(1 for line in f if line.strip())
    return max(0, lines - 1) if fmt == "csv" else lines


def batches(path: Path, fmt: str, *, size: int) -> Iterator[Batch]:
    """The file's events in request bodies of at most `size` events."""
    if fmt == "jsonl":
        yield from _json_lines_batches(path, size)
    elif fmt == "csv":
        yield from _csv_batches(path, size)
    else:
        yield from _avro_batches(path, size)


def _json_lines_batches(path: Path, size: int) -> Iterator[Batch]:
    with path.open("rb") as f:
        lines = (line.rstrip(b"\r\n") for line in f if line.strip())
        while chunk := list(islice(lines, size)):
            yield Batch(b"\n".join(chunk) + b"\n", JSON_LINES_TYPE, len(chunk))


def csv_row_to_json(row: dict[str, str]) -> dict[str, Any]:
    """The JSON object of one CSV row (see the module docstring for the conversions)."""
    obj: dict[str, Any] = {}
    for name, cell in row.items():
        if cell is None or cell == "":
            continue
        if cell in _BOOLEANS:
            obj[name] = _BOOLEANS[cell]
        elif name in _INT_FIELDS and cell.lstrip("-").isdigit():
            obj[name] = int(cell)
        else:
            obj[name] = cell
    return obj


def _csv_batches(path: Path, size: int) -> Iterator[Batch]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = (json.dumps(csv_row_to_json(row)).encode() for row in csv.DictReader(f))
        while chunk := list(islice(rows, size)):
            yield Batch(b"\n".join(chunk) + b"\n", JSON_LINES_TYPE, len(chunk))


def _avro_batches(path: Path, size: int) -> Iterator[Batch]:
    with path.open("rb") as f:
        records = reader(f)
        schema = records.writer_schema
        while chunk := list(islice(records, size)):
            out = BytesIO()
            writer(out, schema, chunk, codec="deflate")
            yield Batch(out.getvalue(), AVRO_TYPE, len(chunk))
