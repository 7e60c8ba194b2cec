"""The JSON form of an event, as publishers post it and the simulator and files carry it.

An object with the event's field names. `vaccination_date` is `YYYY-MM-DD`; `recorded_at` is
ISO 8601 with a UTC offset (`Z` allowed); enums are their string values. The person is given
either as `person_key` (already pseudonymised) or as a raw `nhs_number` (ten digits, spaces
allowed), which the supplied pseudonymiser replaces; never both. Optional fields
(`supersedes_event_id`, `msoa_code`, `jcvi_group`, `imd_decile`, `vaccination_site_ods_code`)
may be omitted or null; every other field is required.

Strict on purpose: unknown fields are refused (a misspelt optional field would otherwise
vanish silently), booleans are not integers, numbers are never accepted for strings, and no
float is accepted anywhere, so NaN and infinities cannot get in. Messages name the field but
never repeat its value. Business rules live in `validation`, not here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from services.contract.errors import InvalidEvent
from services.contract.events import EventKind, Sex, SiteType, VaccinationEvent
from services.contract.json_fast_path import plain_event_reader
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason

_KINDS = {k.value: k for k in EventKind}
_SEXES = {s.value: s for s in Sex}
_SITE_TYPES = {s.value: s for s in SiteType}

_REQUIRED_STR = (
    "event_id",
    "vaccine_snomed_code",
    "vaccine_name",
    "ltla_code",
    "ethnic_category",
    "source_system",
)
_OPTIONAL_STR = ("supersedes_event_id", "msoa_code", "vaccination_site_ods_code")
_REQUIRED_INT = ("dose_number", "age_years")
_OPTIONAL_INT = ("jcvi_group", "imd_decile")
_BOOL = ("clinically_extremely_vulnerable", "health_social_care_worker", "care_home_resident")
_SPECIAL = ("kind", "vaccination_date", "recorded_at", "sex", "site_type")
_PERSON = ("person_key", "nhs_number")
KNOWN_FIELDS = frozenset(
    (*_REQUIRED_STR, *_OPTIONAL_STR, *_REQUIRED_INT, *_OPTIONAL_INT, *_BOOL, *_SPECIAL, *_PERSON)
)
_MAX_TIMESTAMP_LENGTH = 40


class RepeatedNames(dict[str, Any]):
    """A parsed JSON object in which some names were given more than once."""

    __slots__ = ("repeated",)
    repeated: tuple[str, ...]


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`object_pairs_hook` for `json.loads`: a dict that remembers names given twice.

    Plain JSON parsing keeps the last of two values silently; an event must not.
    """
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    marked = RepeatedNames(obj)
    counts = Counter(name for name, _ in pairs)
    marked.repeated = tuple(name for name, n in counts.items() if n > 1)
    return marked


def refuse_repeated_names(obj: object) -> None:
    """InvalidEvent (bad_format) when a parsed object gave a name more than once."""
    if isinstance(obj, RepeatedNames):
        name = obj.repeated[0]
        if name in KNOWN_FIELDS:
            raise InvalidEvent(Reason.BAD_FORMAT, f"field {name!r} is given more than once", name)
        raise InvalidEvent(Reason.BAD_FORMAT, "the event gives a field more than once")


def event_from_json(obj: object, *, pseudonymiser: Pseudonymiser) -> VaccinationEvent:
    """The event in a parsed JSON object; InvalidEvent naming the first field at fault."""
    # The common case first (`json_fast_path`); it gives this function's event or None.
    event = _read_plain(obj, pseudonymiser)
    if event is not None:
        return event
    if not isinstance(obj, dict):
        raise InvalidEvent(Reason.WRONG_TYPE, "an event must be a JSON object")
    refuse_repeated_names(obj)
    for name in obj:
        if name not in KNOWN_FIELDS:
            raise InvalidEvent(Reason.UNKNOWN_FIELD, *_unknown_field(name))
    values: dict[str, Any] = {}
    for name in _REQUIRED_STR:
        values[name] = _typed(obj, name, str, required=True)
    for name in _OPTIONAL_STR:
        values[name] = _typed(obj, name, str, required=False)
    for name in _REQUIRED_INT:
        values[name] = _typed(obj, name, int, required=True)
    for name in _OPTIONAL_INT:
        values[name] = _typed(obj, name, int, required=False)
    for name in _BOOL:
        values[name] = _typed(obj, name, bool, required=True)
    values["kind"] = _member(obj, "kind", _KINDS, Reason.UNKNOWN_KIND)
    values["sex"] = _member(obj, "sex", _SEXES, Reason.UNKNOWN_SEX)
    values["site_type"] = _member(obj, "site_type", _SITE_TYPES, Reason.UNKNOWN_SITE_TYPE)
    values["vaccination_date"] = _parsed(obj, "vaccination_date", _parse_date, "YYYY-MM-DD")
    values["recorded_at"] = _parsed(
        obj, "recorded_at", _parse_timestamp, "ISO 8601 with a UTC offset"
    )
    values["person_key"] = _person_key(obj, pseudonymiser)
    return VaccinationEvent(**values)


def event_to_json(event: VaccinationEvent) -> dict[str, Any]:
    """The JSON object of an event (with `person_key`; the NHS number is never known here)."""
    return {
        "event_id": event.event_id,
        "kind": event.kind.value,
        "supersedes_event_id": event.supersedes_event_id,
        "person_key": event.person_key,
        "vaccination_date": event.vaccination_date.isoformat(),
        "recorded_at": event.recorded_at.isoformat(),
        "dose_number": event.dose_number,
        "vaccine_snomed_code": event.vaccine_snomed_code,
        "vaccine_name": event.vaccine_name,
        "ltla_code": event.ltla_code,
        "msoa_code": event.msoa_code,
        "age_years": event.age_years,
        "sex": event.sex.value,
        "ethnic_category": event.ethnic_category,
        "jcvi_group": event.jcvi_group,
        "imd_decile": event.imd_decile,
        "clinically_extremely_vulnerable": event.clinically_extremely_vulnerable,
        "health_social_care_worker": event.health_social_care_worker,
        "care_home_resident": event.care_home_resident,
        "site_type": event.site_type.value,
        "source_system": event.source_system,
        "vaccination_site_ods_code": event.vaccination_site_ods_code,
    }


def _unknown_field(name: object) -> tuple[str, str | None]:
    # Echo a misspelt field name so the publisher can fix it, but only a short identifier
    # without digits: a key could itself be personal data (an NHS number as a key).
    if (
        isinstance(name, str)
        and len(name) <= 64
        and name.isidentifier()
        and not any(c.isdigit() for c in name)
    ):
        return f"unknown field {name!r}", name
    return "the event has an unknown field", None


def _typed(obj: dict[Any, Any], name: str, kind: type, *, required: bool) -> Any:
    value = obj.get(name)
    if value is None:
        if required:
            raise InvalidEvent(Reason.MISSING_FIELD, f"{name} is required", name)
        return None
    # type() rather than isinstance(): True is an int, and str subclasses are not JSON.
    if type(value) is not kind:
        raise InvalidEvent(Reason.WRONG_TYPE, f"{name} must be a {_JSON_TYPES[kind]}", name)
    return value


_JSON_TYPES = {str: "string", int: "integer", bool: "boolean"}


def _member(obj: dict[Any, Any], name: str, members: dict[str, Any], reason: Reason) -> Any:
    value = _typed(obj, name, str, required=True)
    member = members.get(value)
    if member is None:
        raise InvalidEvent(reason, f"{name} must be one of {', '.join(members)}", name)
    return member


def _parsed(obj: dict[Any, Any], name: str, parse: Callable[[str], Any], form: str) -> Any:
    text = _typed(obj, name, str, required=True)
    try:
        return parse(text)
    except ValueError:
        raise InvalidEvent(Reason.BAD_FORMAT, f"{name} must be {form}", name) from None


def _parse_date(text: str) -> date:
    # date.fromisoformat also takes 20210301 and 2021-W09-1; the contract takes one form.
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise ValueError(text)
    return date.fromisoformat(text)


def _parse_timestamp(text: str) -> datetime:
    if len(text) > _MAX_TIMESTAMP_LENGTH or len(text) < 11 or text[10] not in "Tt ":
        raise ValueError(text)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(text)
    return parsed


_read_plain = plain_event_reader(
    known_fields=KNOWN_FIELDS,
    kinds=_KINDS,
    sexes=_SEXES,
    site_types=_SITE_TYPES,
    parse_date=_parse_date,
    parse_timestamp=_parse_timestamp,
)


def _person_key(obj: dict[Any, Any], pseudonymiser: Pseudonymiser) -> str:
    key = obj.get("person_key")
    number = obj.get("nhs_number")
    if key is not None and number is not None:
        raise InvalidEvent(
            Reason.BAD_FORMAT, "give either nhs_number or person_key, not both", "nhs_number"
        )
    if number is not None:
        if type(number) is not str:
            raise InvalidEvent(Reason.WRONG_TYPE, "nhs_number must be a string", "nhs_number")
        return pseudonymiser.person_key(number)
    if key is None:
        raise InvalidEvent(
            Reason.MISSING_FIELD, "nhs_number or person_key is required", "nhs_number"
        )
    if type(key) is not str:
        raise InvalidEvent(Reason.WRONG_TYPE, "person_key must be a string", "person_key")
    return key
