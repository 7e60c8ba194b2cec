"""The roles an API key can have, and what each is for.

- publisher: posts vaccination events to the ingest; reads nothing.
- council: reads published releases (full breakdowns of its own areas, headlines elsewhere).
- operator: runs the service: every release whatever its status, keys, the audit log.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a key may do."""

    PUBLISHER = "publisher"
    COUNCIL = "council"
    OPERATOR = "operator"


READERS = frozenset({Role.COUNCIL, Role.OPERATOR})
"""Roles that may read data from the council API."""
