"""Read the reference CSV files shipped inside the package (plain, or gzipped when large)."""

from __future__ import annotations

import csv
import gzip
import io
from importlib import resources


def read_rows(name: str) -> list[dict[str, str]]:
    """Return the rows of a shipped reference CSV (e.g. ``"ltla_lookup_2021"``) as dicts."""
    return list(csv.DictReader(io.StringIO(_text(name))))


def read_table(name: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a shipped reference CSV, as lists (for wide files)."""
    rows = list(csv.reader(io.StringIO(_text(name))))
    return rows[0], rows[1:]


def _text(name: str) -> str:
    folder = resources.files("services.reference").joinpath("data")
    plain = folder.joinpath(f"{name}.csv")
    if plain.is_file():
        return plain.read_text("utf-8")
    return gzip.decompress(folder.joinpath(f"{name}.csv.gz").read_bytes()).decode("utf-8")
