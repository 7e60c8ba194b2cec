"""Streamed JSON and CSV bodies for answers too large to build in memory at once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.responses import StreamingResponse

from services.api.csv_export import csv_lines

_CHUNK = 1000
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/jsonl; charset=utf-8",
}
"""The media type of each `format`."""
JSONL_CONTENT = {
    "application/jsonl": {
        "schema": {"type": "string", "description": "One JSON object a line (JSON Lines)"}
    }
}
"""The OpenAPI content entry of a `format=jsonl` answer."""


def json_stream(
    head: dict[str, Any], items_key: str, items: Iterable[dict[str, Any]]
) -> Iterator[str]:
    """`head` as a JSON object with one more member, `items_key`, holding `items` as an array."""
    opening = json.dumps(head, separators=(",", ":"))[:-1]
    yield f'{opening},"{items_key}":['
    batch: list[str] = []
    first = True
    for item in items:
        batch.append(json.dumps(item, separators=(",", ":")))
        if len(batch) >= _CHUNK:
            yield ("" if first else ",") + ",".join(batch)
            first = False
            batch = []
    if batch:
        yield ("" if first else ",") + ",".join(batch)
    yield "]}"


def jsonl_lines(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """`items` as JSON Lines: one compact object a line, in chunks of lines."""
    batch: list[str] = []
    for item in items:
        batch.append(json.dumps(item, separators=(",", ":")) + "\n")
        if len(batch) >= _CHUNK:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def json_response(chunks: Iterator[str], headers: dict[str, str]) -> StreamingResponse:
    """A streamed JSON answer."""
    return StreamingResponse(chunks, media_type="application/json", headers=headers)


def csv_response(
    columns: tuple[str, ...],
    records: Iterable[tuple[object, ...]],
    filename: str,
    headers: dict[str, str],
) -> StreamingResponse:
    """A streamed CSV download named `filename`."""
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(
        csv_lines(columns, records),
        media_type="text/csv; charset=utf-8",
        headers={**headers, **disposition},
    )


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, safe in a file name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "area"
