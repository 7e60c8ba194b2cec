"""Writers for the simulated feed: JSON Lines, CSV and Avro container files.

The lines and rows are described in `record_lines`. Avro container files always carry person
keys (they feed Kafka directly), so records with an invalid NHS number, which have no person
key, are left out of them. Each writer takes a `SimulatedFeed` (rendered a column at a time,
the fast path) or any records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from devtools.simulator.avro_blocks import write_blocks
from devtools.simulator.feed import SimulatedFeed
from devtools.simulator.feed_avro import FeedAvro
from devtools.simulator.feed_text import FeedText
from devtools.simulator.record_lines import (
    PERSON_COLUMNS,
    TextFormat,
    csv_columns,
    csv_format,
    csv_row,
    jsonl_format,
    jsonl_line,
    record_to_json,
)
from devtools.simulator.simulator import SimulatedRecord
from services.contract.container import write_container
from services.contract.reasons import Reason

__all__ = [
    "PERSON_COLUMNS",
    "csv_columns",
    "csv_row",
    "jsonl_line",
    "record_to_json",
    "write_avro",
    "write_csv",
    "write_jsonl",
]

Feed = SimulatedFeed | Iterable[SimulatedRecord]
_BATCH = 10_000  # records rendered one by one per write


def write_jsonl(records: Feed, fileobj: IO[bytes], *, with_nhs_numbers: bool = True) -> int:
    """Write one JSON object per line; returns the number written."""
    written = 0
    for text, count in _text(records, jsonl_format(with_nhs_numbers=with_nhs_numbers)):
        fileobj.write(text.encode())
        written += count
    return written


def write_csv(records: Feed, fileobj: IO[str], *, with_nhs_numbers: bool = True) -> int:
    """Write a header and one row per record; returns the number of records written."""
    fileobj.write(",".join(csv_columns(with_nhs_numbers=with_nhs_numbers)) + "\n")
    written = 0
    for text, count in _text(records, csv_format(with_nhs_numbers=with_nhs_numbers)):
        fileobj.write(text)
        written += count
    return written


def write_avro(records: Feed, fileobj: IO[bytes]) -> int:
    """Write an Avro container file (deflate) of the records that have a person key."""
    if isinstance(records, SimulatedFeed):
        if FeedAvro.supports(records):
            return write_blocks(FeedAvro(records).chunks(), fileobj)
        records = records.as_objects()[0]
    kept = [r.event for r in records if r.reason is not Reason.INVALID_NHS_NUMBER]
    write_container(kept, fileobj)
    return len(kept)


def _text(records: Feed, fmt: TextFormat) -> Iterator[tuple[str, int]]:
    """The lines of the records, many at a time, and how many records each piece holds."""
    if isinstance(records, SimulatedFeed):
        if FeedText.supports(records):
            yield from FeedText(records, fmt).chunks()
            return
        records = records.as_objects()[0]
    batch: list[str] = []
    for record in records:
        batch.append(fmt.line(record))
        if len(batch) >= _BATCH:
            yield "".join(batch), len(batch)
            batch.clear()
    if batch:
        yield "".join(batch), len(batch)
