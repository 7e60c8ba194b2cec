"""Locate and load the Avro schemas of the contract.

The canonical schemas live in `schemas/` at the repository root, where publishers find them.
The package ships byte-identical copies in `services/contract/schemas/` so an installed wheel
can load them too; this module always reads the package copies, and a unit test fails if
the two folders ever differ. Files are read on first use, never at import time.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

EVENT_SCHEMA_VERSIONS: tuple[int, ...] = (1, 2)
CURRENT_EVENT_VERSION = 2
DEAD_LETTER_SCHEMA = "dead_letter.avsc"


def event_schema_name(version: int) -> str:
    """File name of the vaccination event schema of a version."""
    if version not in EVENT_SCHEMA_VERSIONS:
        raise ValueError(f"no vaccination event schema version {version}")
    return f"vaccination_event.v{version}.avsc"


def schema_names() -> list[str]:
    """File names of every schema the package ships."""
    folder = resources.files("services.contract.schemas")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".avsc"))


def schema_text(name: str) -> str:
    """Raw JSON text of a shipped schema file."""
    return resources.files("services.contract.schemas").joinpath(name).read_text("utf-8")


@cache
def _load(name: str) -> str:
    return schema_text(name)


def load_schema(name: str) -> dict[str, Any]:
    """A shipped schema as a fresh JSON object (callers may parse or modify it)."""
    loaded: dict[str, Any] = json.loads(_load(name))
    return loaded


def event_schema(version: int = CURRENT_EVENT_VERSION) -> dict[str, Any]:
    """The vaccination event schema of a version (default: the current reader schema)."""
    return load_schema(event_schema_name(version))


def dead_letter_schema() -> dict[str, Any]:
    """The dead-letter record schema."""
    return load_schema(DEAD_LETTER_SCHEMA)
