"""Remove NHS numbers from anything the ingest keeps: dead-letter originals and answers.

A rejected item is kept (in the dead-letter topic) so it can be fixed and resent, but no NHS
number may leave the ingest boundary. So the `nhs_number` field and FHIR NHS-number
identifiers are always blanked, valid or not, and any other text holding ten digits that pass
the modulus 11 check (with or without the usual 3-3-4 spaces) is blanked too, wherever it is.
"""

from __future__ import annotations

import re
from typing import Any

from services.contract.pseudonym import is_valid_nhs_number

REDACTED = "[redacted]"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_NHS_FIELDS = frozenset({"nhs_number"})
# Ten digits, optionally as 3-3-4 groups, not inside a longer run of digits.
_CANDIDATE = re.compile(r"(?<!\d)\d{3} ?\d{3} ?\d{4}(?!\d)")


def redact_text(text: str) -> str:
    """The text with every valid-looking NHS number replaced by a marker."""
    return _CANDIDATE.sub(_replace_if_nhs_number, text)


def _replace_if_nhs_number(match: re.Match[str]) -> str:
    return REDACTED if is_valid_nhs_number(match.group()) else match.group()


def redact(value: Any) -> Any:
    """A copy of a parsed JSON value with NHS numbers removed (see the module docstring)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, dict):
        blank_value = value.get("system") == NHS_NUMBER_SYSTEM
        out: dict[Any, Any] = {}
        for key, item in value.items():
            name = redact_text(key) if isinstance(key, str) else key
            if key in _NHS_FIELDS or (blank_value and key == "value"):
                out[name] = None if item is None else REDACTED
            else:
                out[name] = redact(item)
        return out
    return value
