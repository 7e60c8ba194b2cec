"""Read the reference CSV files shipped inside the package."""

from __future__ import annotations

import csv
import io
from importlib import resources


def read_rows(name: str) -> list[dict[str, str]]:
    """Return the rows of a shipped reference CSV (e.g. ``"ltla_lookup_2021"``) as dicts."""
    text = resources.files("services.reference").joinpath("data", f"{name}.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))
