"""CSV that opens cleanly in Excel and QGIS: stable columns, blank suppressed cells, no formulas.

A text cell that starts with `=`, `+`, `-`, `@`, tab or carriage return is prefixed with `'`
so a spreadsheet shows it as text instead of running it (OWASP CSV injection advice). Numbers
are written as numbers, so negative values (which a release never holds) would stay numeric.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A text cell made safe to open in a spreadsheet."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def cell(value: object) -> str | int | float:
    """One value as a CSV cell: None blank, booleans true/false, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def csv_lines(
    columns: Sequence[str], records: Iterable[Sequence[object]], *, chunk_rows: int = 2000
) -> Iterator[str]:
    """The header then the records, as text chunks of up to `chunk_rows` lines (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    pending = 1
    for record in records:
        writer.writerow([cell(v) for v in record])
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()
