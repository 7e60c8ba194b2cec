"""What an event counts, and a repeated event id that would count something else.

An event id is acted on once. Sending an accepted id again is harmless when the copy would
count the same (a resend after a lost answer: a duplicate, ignored); a copy that would count
differently is another event under a reused id and is refused as `conflicting_duplicate`.
To change what an accepted event counts, publishers send a CORRECTED event naming it in
`supersedes_event_id`.

The content compared is what decides the counted cells: the kind, the event superseded, the
area and neighbourhood, the vaccination date, the dose, and the person's age, sex, ethnic
category, JCVI group and IMD decile. The other fields (recorded time, vaccine product, site,
risk flags, source, person key) may differ between copies: a resend stamped anew, or sent
after the pseudonymisation key was rotated, is still a duplicate.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.contract.errors import InvalidEvent
from services.contract.events import VaccinationEvent
from services.contract.reasons import Reason

CELL_FIELDS = (
    "ltla_code",
    "msoa_code",
    "vaccination_date",
    "dose_number",
    "age_years",
    "sex",
    "ethnic_category",
    "jcvi_group",
    "imd_decile",
)
"""The attributes of an event that pick its cell in every breakdown."""

COUNTED_FIELDS = ("kind", "supersedes_event_id", *CELL_FIELDS)
"""Every field whose value decides what an event counts."""


def content_of(kind: str, supersedes: str | None, cells: Any) -> tuple[str, ...]:
    """The counted content as text, from a kind, the id superseded and an object with the
    `CELL_FIELDS` (an event, or a cohort read back from stored state)."""
    return (str(kind), supersedes or "", *(_text(getattr(cells, name)) for name in CELL_FIELDS))


def counted_content(event: VaccinationEvent) -> tuple[str, ...]:
    """An event's counted content as text; equal for copies that count the same."""
    return content_of(event.kind, event.supersedes_event_id, event)


def differing_fields(first: VaccinationEvent, second: VaccinationEvent) -> list[str]:
    """The counted fields two events disagree on (empty: they count the same)."""
    pairs = zip(counted_content(first), counted_content(second), strict=True)
    return [name for name, (a, b) in zip(COUNTED_FIELDS, pairs, strict=True) if a != b]


def conflicting_duplicate(fields: list[str] | None = None) -> InvalidEvent:
    """The refusal of a copy of an event id that would count differently from the first."""
    which = f" ({', '.join(fields)} differ)" if fields else ""
    return InvalidEvent(
        Reason.CONFLICTING_DUPLICATE,
        f"this event id was already taken with other content{which} and counts as first "
        "sent; to change it, send a CORRECTED event whose supersedes_event_id names it",
        fields[0] if fields else "event_id",
    )


def refuse_conflicting_copy(first: VaccinationEvent, second: VaccinationEvent) -> None:
    """Raise `conflicting_duplicate` when ``second`` reuses ``first``'s id with other content."""
    if first.event_id == second.event_id:
        fields = differing_fields(first, second)
        if fields:
            raise conflicting_duplicate(fields)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
