"""Hypothesis strategies for hostile publisher input: events that must each be refused.

Every hostile event is a valid event with one to three fields made invalid (a huge or
unprintable string, a wrong JSON type, NaN, an out-of-range or enormous number, a date far
away or malformed, a deeply nested value, an unknown field), each change sometimes given as a
duplicate key after the valid one. The ingest refuses a field given twice (`bad_format`)
and the hostile value is invalid anyway, so the event must be refused whatever else it holds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from services.contract.validation import (
    MAX_AGE,
    MAX_DOSE,
    MAX_IMD_DECILE,
    MAX_JCVI_GROUP,
    MIN_AGE,
    MIN_DOSE,
    MIN_IMD_DECILE,
    MIN_JCVI_GROUP,
)

# Text fields a hostile string is refused in (source_system is replaced by the key's name).
TEXT_FIELDS = (
    "event_id",
    "kind",
    "supersedes_event_id",
    "nhs_number",
    "person_key",
    "vaccination_date",
    "recorded_at",
    "vaccine_snomed_code",
    "vaccine_name",
    "ltla_code",
    "msoa_code",
    "sex",
    "ethnic_category",
    "site_type",
    "vaccination_site_ods_code",
)
INT_RANGES = {
    "dose_number": (MIN_DOSE, MAX_DOSE),
    "age_years": (MIN_AGE, MAX_AGE),
    "jcvi_group": (MIN_JCVI_GROUP, MAX_JCVI_GROUP),
    "imd_decile": (MIN_IMD_DECILE, MAX_IMD_DECILE),
}
BOOL_FIELDS = ("clinically_extremely_vulnerable", "health_social_care_worker", "care_home_resident")
ONE_MB = 1_000_000

# No field accepts any of these characters: NUL, lone surrogates, RTL override, DEL, U+2028.
_UNACCEPTABLE = ("\x00", "\ud800", "\udfff", "\u202e", "\x7f", "\u2028")
_ENORMOUS = (10**400, -(10**400), 10**4000, 2**63, -(2**63), 2**64)
_FAR_DATES = ("9999-12-31", "0001-01-01", "2021-02-30", "2021-13-01", "20210301", "2021-W09-1")
_FAR_TIMES = (
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2021-03-01T10:30:00",
    "2021-03-01T25:00:00Z",
    "2021-03-01",
)


def unacceptable_text() -> st.SearchStrategy[str]:
    """Strings no field accepts: 1 MB long, or with a character no field allows."""
    huge = st.sampled_from(["A", "\u00e9", "\u202e"]).map(lambda c: c * ONE_MB)
    tainted = st.tuples(st.text(max_size=20), st.sampled_from(_UNACCEPTABLE), st.text(max_size=20))
    return st.one_of(huge, tainted.map("".join))


def nested(depth: int) -> Any:
    """A value nested `depth` levels deep, alternating arrays and objects."""
    value: Any = 1
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


def not_a_string() -> st.SearchStrategy[Any]:
    """JSON values of every type but string and null, NaN and infinities included."""
    return st.one_of(
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
        st.sampled_from(_ENORMOUS),
        st.integers(min_value=50, max_value=300).map(nested),
    )


def far_datetime() -> st.SearchStrategy[str]:
    """ISO 8601 instants with an offset, years away from any vaccination date."""
    offsets = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
    zones = offsets.map(lambda d: timezone(timedelta(minutes=d // timedelta(minutes=1))))
    early = st.datetimes(max_value=datetime(2019, 12, 31), timezones=zones)
    late = st.datetimes(min_value=datetime(2023, 1, 1), timezones=zones)
    return st.one_of(early, late).map(datetime.isoformat)


def hostile_value(field: str) -> st.SearchStrategy[Any]:
    """A value the field refuses, whatever the rest of the event holds."""
    if field in INT_RANGES:
        low, high = INT_RANGES[field]
        return st.one_of(
            st.integers(max_value=low - 1),
            st.integers(min_value=high + 1),
            st.sampled_from(_ENORMOUS),
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=5),
            st.booleans(),
        )
    if field in BOOL_FIELDS:
        return st.one_of(st.integers(), st.text(max_size=5), st.floats(), st.lists(st.booleans()))
    strategies = [unacceptable_text(), not_a_string()]
    if field == "vaccination_date":
        strategies.append(st.sampled_from(_FAR_DATES))
    if field == "recorded_at":
        strategies += [st.sampled_from(_FAR_TIMES), far_datetime()]
    return st.one_of(strategies)


def unknown_field() -> st.SearchStrategy[tuple[str, Any]]:
    """A field name the contract does not know, with any value."""
    names = st.one_of(st.just("dose_numbr"), unacceptable_text())
    return st.tuples(names, st.one_of(st.none(), st.integers(), st.text(max_size=5)))


def samples(field: str) -> list[Any]:
    """One value of every hostile kind the field refuses, for a test that needs no luck."""
    others = [float("nan"), float("inf"), float("-inf"), [], {}, nested(200), *_ENORMOUS]
    if field in INT_RANGES:
        low, high = INT_RANGES[field]
        return [low - 1, high + 1, 1.0, "1", True, *others]
    if field in BOOL_FIELDS:
        return [0, 1, "true", *others]
    texts = ["A" * ONE_MB, *(f"x{c}y" for c in _UNACCEPTABLE), 0, -1, False, *others]
    if field == "vaccination_date":
        texts += _FAR_DATES
    if field == "recorded_at":
        texts += _FAR_TIMES
    return texts


@dataclass(frozen=True)
class Change:
    """One change to a valid event: a field and its new value, replaced or repeated."""

    field: str
    value: Any
    duplicate: bool


@st.composite
def change(draw: st.DrawFn) -> Change:
    """A change that makes any event invalid."""
    if draw(st.integers(0, 9)) == 0:
        name, value = draw(unknown_field())
        return Change(name, value, duplicate=False)
    field = draw(st.sampled_from((*TEXT_FIELDS, *INT_RANGES, *BOOL_FIELDS)))
    return Change(field, draw(hostile_value(field)), duplicate=draw(st.booleans()))


Item = list[Change] | bytes | None


@st.composite
def batch(draw: st.DrawFn, *, lines: bool) -> list[Item]:
    """Batch items: None is a good event, a list of changes a hostile one, bytes a raw line."""
    hostile: st.SearchStrategy[Any] = st.lists(change(), min_size=1, max_size=3)
    if lines:
        hostile = st.one_of(hostile, st.sampled_from(BROKEN_LINES))
    items: list[Item] = draw(st.lists(hostile, min_size=1, max_size=6))
    for _ in range(draw(st.integers(1, 3))):
        items.insert(draw(st.integers(0, len(items))), None)
    return items


def not_json(value: Any) -> bool:
    """True if the value holds NaN or an infinity, which JSON has no numbers for."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list | tuple):
        return any(not_json(v) for v in value)
    if isinstance(value, dict):
        return any(not_json(v) for v in value.values())
    return False


def apply(event: dict[str, Any], changes: list[Change]) -> list[tuple[str, Any]]:
    """The event's fields as name-value pairs (duplicates allowed) with the changes made."""
    pairs = list(event.items())
    for c in changes:
        if not c.duplicate:
            pairs = [(name, value) for name, value in pairs if name != c.field]
        pairs.append((c.field, c.value))
    return pairs


def object_text(pairs: list[tuple[str, Any]]) -> bytes:
    """A JSON object with exactly these pairs, in order, duplicates kept.

    Non-ASCII is sent as raw UTF-8; a lone surrogate cannot be, so `backslashreplace` writes
    it as the `\\udXXX` escape, which is how JSON spells it.
    """
    members = (f"{json.dumps(name, ensure_ascii=False)}: {_json(value)}" for name, value in pairs)
    return ("{" + ", ".join(members) + "}").encode("utf-8", "backslashreplace")


def _json(value: Any) -> str:
    # Python's json writes NaN and Infinity literals, as a careless publisher would.
    return json.dumps(value, ensure_ascii=False)


# Lines of a JSON Lines body that cannot be read as an event object at all.
BROKEN_LINES = (
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    b'{"event_id": "torn", "kind": ',
    b"\xff\xfe{}",
    b"1" * 5000,
    b'{"dose_number": ' + b"9" * 5000 + b"}",
    b"NaN",
    b'"just a string"',
    b"null",
    b"[]",
)


# FHIR elements a hostile value is put in, and the values each refuses.
FHIR_VALUES = {
    "identifier": hostile_value("event_id"),
    "occurrenceDateTime": st.one_of(
        hostile_value("recorded_at"), hostile_value("vaccination_date")
    ),
    "recorded": hostile_value("recorded_at"),
    "gender": hostile_value("sex"),
    "birthDate": hostile_value("vaccination_date"),
    "dose": hostile_value("dose_number"),
}


def make_hostile(resource: dict[str, Any], element: str, value: Any) -> dict[str, Any]:
    """A valid Immunization (with a contained Patient) with one element made hostile."""
    patient = resource["contained"][0]
    if element == "identifier":
        resource["identifier"][0]["value"] = value
    elif element in ("gender", "birthDate"):
        patient[element] = value
    elif element == "dose":
        resource["protocolApplied"] = [{"doseNumberPositiveInt": value}]
    else:
        resource[element] = value
    return resource
