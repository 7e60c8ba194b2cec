"""The common case of reading an event's JSON object, in straight-line code.

An event as publishers almost always send it (a plain dict with known fields only, every
value of its field's JSON type, enums and dates well formed, the person given one way) is read
here without the general reader's call per field, and its slots are set directly (a frozen
dataclass's `__init__` sets each through `object.__setattr__`, twice as slow). Anything else
gets None and is read by the general reader in `json_codec`, whose answers and refusals stay
the rule: this path gives the general reader's event or nothing (tests compare the two).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from services.contract.events import EventKind, Sex, SiteType, VaccinationEvent
from services.contract.pseudonym import Pseudonymiser

PlainReader = Callable[[object, Pseudonymiser], VaccinationEvent | None]
# The event's fields in the order the reader below sets them.
_ORDER = (
    "event_id",
    "kind",
    "supersedes_event_id",
    "person_key",
    "vaccination_date",
    "recorded_at",
    "dose_number",
    "vaccine_snomed_code",
    "vaccine_name",
    "ltla_code",
    "msoa_code",
    "age_years",
    "sex",
    "ethnic_category",
    "jcvi_group",
    "imd_decile",
    "clinically_extremely_vulnerable",
    "health_social_care_worker",
    "care_home_resident",
    "site_type",
    "source_system",
    "vaccination_site_ods_code",
)
if tuple(f.name for f in fields(VaccinationEvent)) != _ORDER:
    raise RuntimeError("json_fast_path sets fields the event no longer has in this order")
_SETTERS = tuple(getattr(VaccinationEvent, name).__set__ for name in _ORDER)
_ELEVEN_TEXTS = (str,) * 11
_TWO_INTEGERS = (int,) * 2
_THREE_FLAGS = (bool,) * 3
_OPTIONAL_TEXT_TYPES = frozenset({str, type(None)})
_OPTIONAL_INTEGER_TYPES = frozenset({int, type(None)})
_new = object.__new__


def plain_event_reader(
    *,
    known_fields: frozenset[str],
    kinds: Mapping[str, EventKind],
    sexes: Mapping[str, Sex],
    site_types: Mapping[str, SiteType],
    parse_date: Callable[[str], date],
    parse_timestamp: Callable[[str], datetime],
) -> PlainReader:
    """A reader of plain event objects that follows the general reader's parsing rules."""

    def read(obj: object, pseudonymiser: Pseudonymiser) -> VaccinationEvent | None:
        # type() is not isinstance() on purpose: True is an int, str subclasses are not JSON,
        # and a dict subclass may be one that remembers repeated names.
        if type(obj) is not dict or not known_fields.issuperset(obj):
            return None
        get: Callable[[str], Any] = obj.get
        texts = (
            get("event_id"),
            get("vaccine_snomed_code"),
            get("vaccine_name"),
            get("ltla_code"),
            get("ethnic_category"),
            get("source_system"),
            get("kind"),
            get("sex"),
            get("site_type"),
            get("vaccination_date"),
            get("recorded_at"),
        )
        optional_texts = (
            get("supersedes_event_id"),
            get("msoa_code"),
            get("vaccination_site_ods_code"),
        )
        numbers = (get("dose_number"), get("age_years"))
        optional_numbers = (get("jcvi_group"), get("imd_decile"))
        flags = (
            get("clinically_extremely_vulnerable"),
            get("health_social_care_worker"),
            get("care_home_resident"),
        )
        # Types of the tuples' members, compared in C: no generator per group of fields.
        if (
            tuple(map(type, texts)) != _ELEVEN_TEXTS
            or tuple(map(type, numbers)) != _TWO_INTEGERS
            or tuple(map(type, flags)) != _THREE_FLAGS
            or not _OPTIONAL_TEXT_TYPES.issuperset(map(type, optional_texts))
            or not _OPTIONAL_INTEGER_TYPES.issuperset(map(type, optional_numbers))
        ):
            return None
        kind = kinds.get(texts[6])
        sex = sexes.get(texts[7])
        site_type = site_types.get(texts[8])
        if kind is None or sex is None or site_type is None:
            return None
        try:
            vaccination_date = parse_date(texts[9])
            recorded_at = parse_timestamp(texts[10])
        except ValueError:
            return None
        number, key = get("nhs_number"), get("person_key")
        if type(number) is str and key is None:
            # The general reader asks for the person last too, so a refusal is the same.
            key = pseudonymiser.person_key(number)
        elif number is not None or type(key) is not str:
            return None
        event = _new(VaccinationEvent)
        for set_slot, value in zip(
            _SETTERS,
            (
                texts[0],
                kind,
                optional_texts[0],
                key,
                vaccination_date,
                recorded_at,
                numbers[0],
                texts[1],
                texts[2],
                texts[3],
                optional_texts[1],
                numbers[1],
                sex,
                texts[4],
                optional_numbers[0],
                optional_numbers[1],
                flags[0],
                flags[1],
                flags[2],
                site_type,
                texts[5],
                optional_texts[2],
            ),
            strict=True,
        ):
            set_slot(event, value)
        return event

    return read
