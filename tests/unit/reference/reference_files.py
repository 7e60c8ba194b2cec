"""The shipped reference files read directly, as a reader would (not through the service)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

DATA = Path(__file__).parents[3] / "services" / "reference" / "data"


def file_rows(name: str) -> list[dict[str, str]]:
    """Every row of a shipped CSV (gzipped or not) as a dict."""
    path = DATA / name
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def years(row: dict[str, str], lo: int, hi: int | None) -> int:
    """The sum of a wide single-year row's columns lo..hi (hi None: to 90 and over)."""
    top = 90 if hi is None else hi
    return sum(int(row["90+" if age == 90 else str(age)]) for age in range(lo, top + 1))
