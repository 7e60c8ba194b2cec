"""Every business rule an event must meet, each refusing with its own stable reason code.

`validate` runs on the ingest path and again in the aggregator for events that arrived
straight from Kafka, so it is written for speed: set membership and C-level string methods,
no regular expressions. It expects a well-typed event (as `decode` and `event_from_json`
produce) and reports the first rule broken.

Ranges chosen: dose 1-10 (primary doses, third primary dose and successive boosters, with
headroom); age 0-120; JCVI priority group 1-9 (phase 1); IMD decile 1-10; vaccination date
from the first UK dose outside trials (2020-12-08) to `today`. `recorded_at` may fall up to an
hour before the vaccination date's UTC midnight (UK summer time) and at most a day after
`today` (clock skew); anything else is refused.

First of all, no field may hold what reads as an NHS number (`nhs_numbers`): the only place
for one is the `nhs_number` of the JSON form, which never reaches an event. A string too
long to be checked quickly is refused by its own length rule instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from services.contract.area_lookup import AreaLookup
from services.contract.errors import InvalidEvent
from services.contract.events import EventKind, Sex, SiteType, VaccinationEvent
from services.contract.nhs_screen import (
    any_holds_nhs_number,
    value_holds_nhs_number,
)
from services.contract.reasons import Reason

PROGRAMME_START: Final = date(2020, 12, 8)
ETHNIC_CATEGORIES: Final = frozenset([*"ABCDEFGHJKLMNPRSZ", "99"])
MIN_DOSE, MAX_DOSE = 1, 10
MIN_AGE, MAX_AGE = 0, 120
MIN_JCVI_GROUP, MAX_JCVI_GROUP = 1, 9
MIN_IMD_DECILE, MAX_IMD_DECILE = 1, 10
MAX_EVENT_ID_LENGTH: Final = 128
MAX_TEXT_LENGTH: Final = 200
PERSON_KEY_LENGTH: Final = 64
MIN_ODS_LENGTH, MAX_ODS_LENGTH = 3, 8

_HEX_DIGITS = "0123456789abcdef"
_KINDS = frozenset(EventKind)
_SEXES = frozenset(Sex)
_SITE_TYPES = frozenset(SiteType)
_UK_MAX_OFFSET = timedelta(hours=1)
_TEXT_FIELDS = (
    "event_id",
    "supersedes_event_id",
    "person_key",
    "vaccine_snomed_code",
    "vaccine_name",
    "ltla_code",
    "msoa_code",
    "ethnic_category",
    "source_system",
    "vaccination_site_ods_code",
)


def validate(event: VaccinationEvent, *, areas: AreaLookup, today: date) -> VaccinationEvent:
    """The event with a legacy LTLA code mapped to its 2021 successor; InvalidEvent if not valid."""
    # One flat function: on the aggregator's hot path, calls to per-rule helpers cost a
    # quarter of the time. Each rule is an `if` that raises with its own reason.
    key = event.person_key
    well_formed_key = len(key) == PERSON_KEY_LENGTH and not key.strip(_HEX_DIGITS)
    texts = (
        event.event_id,
        event.supersedes_event_id,
        None if well_formed_key else key,  # a pseudonym is hex: nothing to find
        event.vaccine_snomed_code,
        event.vaccine_name,
        event.ltla_code,
        event.msoa_code,
        event.ethnic_category,
        event.source_system,
        event.vaccination_site_ods_code,
    )
    if any_holds_nhs_number(texts):
        refuse_nhs_numbers(zip(_TEXT_FIELDS, texts, strict=True))
    _check_id(event.event_id, "event_id")
    kind = event.kind
    supersedes = event.supersedes_event_id
    if kind == EventKind.ADMINISTERED:
        if supersedes is not None:
            raise InvalidEvent(
                Reason.UNEXPECTED_SUPERSEDES,
                "an ADMINISTERED event supersedes nothing",
                "supersedes_event_id",
            )
    elif kind not in _KINDS:
        raise InvalidEvent(Reason.UNKNOWN_KIND, "kind is not a known value", "kind")
    elif supersedes is None:
        raise InvalidEvent(
            Reason.MISSING_SUPERSEDES,
            f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind} event must name the event it "
            "supersedes",
            "supersedes_event_id",
        )
    else:
        _check_id(supersedes, "supersedes_event_id")
        if supersedes == event.event_id:
            raise InvalidEvent(
                Reason.SUPERSEDES_SELF, "an event cannot supersede itself", "supersedes_event_id"
            )
    # strip() removes hex digits from both ends, so an all-hex key leaves nothing behind.
    if len(key) != PERSON_KEY_LENGTH or key.strip(_HEX_DIGITS):
        raise InvalidEvent(
            Reason.INVALID_PERSON_KEY,
            "person_key must be the 64-character lowercase hex pseudonym",
            "person_key",
        )

    given = event.vaccination_date
    if given < PROGRAMME_START:
        raise InvalidEvent(
            Reason.DATE_BEFORE_PROGRAMME,
            f"vaccination_date is before the programme began on {PROGRAMME_START}",
            "vaccination_date",
        )
    if given > today:
        raise InvalidEvent(
            Reason.DATE_IN_FUTURE, "vaccination_date is in the future", "vaccination_date"
        )
    recorded = event.recorded_at
    if recorded.tzinfo is None or recorded.utcoffset() is None:
        raise InvalidEvent(Reason.BAD_FORMAT, "recorded_at needs a UTC offset", "recorded_at")
    recorded_day = recorded.date()
    # Cheap date comparison first; only near the boundary compute the exact instant.
    if recorded_day < given and recorded < datetime.combine(given, time(), UTC) - _UK_MAX_OFFSET:
        raise InvalidEvent(
            Reason.RECORDED_BEFORE_VACCINATED,
            "recorded_at is before the vaccination date",
            "recorded_at",
        )
    if recorded_day > today and (recorded_day - today).days > 1:
        raise InvalidEvent(Reason.RECORDED_IN_FUTURE, "recorded_at is in the future", "recorded_at")

    if event.sex not in _SEXES:
        raise InvalidEvent(Reason.UNKNOWN_SEX, "sex is not a known value", "sex")
    if event.site_type not in _SITE_TYPES:
        raise InvalidEvent(Reason.UNKNOWN_SITE_TYPE, "site_type is not a known value", "site_type")
    if event.ethnic_category not in ETHNIC_CATEGORIES:
        raise InvalidEvent(
            Reason.UNKNOWN_ETHNIC_CODE,
            "ethnic_category must be an NHS ethnic category code (A-S, Z or 99)",
            "ethnic_category",
        )
    code = event.vaccine_snomed_code
    if not (6 <= len(code) <= 18 and code.isascii() and code.isdigit() and code[0] != "0"):
        raise InvalidEvent(
            Reason.INVALID_SNOMED_CODE,
            "vaccine_snomed_code must be a SNOMED CT concept id (6-18 digits)",
            "vaccine_snomed_code",
        )
    ods = event.vaccination_site_ods_code
    # ODS organisation and site codes (NHS Data Dictionary coding frames): 3-8 upper-case
    # letters and digits, at least one a letter (A81001, RJ1, RJ122, Y02494, FA123, 00J).
    if ods is not None and not (
        MIN_ODS_LENGTH <= len(ods) <= MAX_ODS_LENGTH
        and ods.isascii()
        and ods.isalnum()
        and ods == ods.upper()
        and not ods.isdigit()
    ):
        raise InvalidEvent(
            Reason.INVALID_ODS_CODE,
            "vaccination_site_ods_code must be an ODS code (3-8 upper-case letters and digits, "
            "at least one a letter)",
            "vaccination_site_ods_code",
        )

    if not MIN_DOSE <= event.dose_number <= MAX_DOSE:
        raise InvalidEvent(
            Reason.DOSE_OUT_OF_RANGE, f"dose_number must be {MIN_DOSE}-{MAX_DOSE}", "dose_number"
        )
    if not MIN_AGE <= event.age_years <= MAX_AGE:
        raise InvalidEvent(
            Reason.AGE_OUT_OF_RANGE, f"age_years must be {MIN_AGE}-{MAX_AGE}", "age_years"
        )
    group = event.jcvi_group
    if group is not None and not MIN_JCVI_GROUP <= group <= MAX_JCVI_GROUP:
        raise InvalidEvent(
            Reason.JCVI_GROUP_OUT_OF_RANGE,
            f"jcvi_group must be {MIN_JCVI_GROUP}-{MAX_JCVI_GROUP} or null",
            "jcvi_group",
        )
    decile = event.imd_decile
    if decile is not None and not MIN_IMD_DECILE <= decile <= MAX_IMD_DECILE:
        raise InvalidEvent(
            Reason.IMD_DECILE_OUT_OF_RANGE,
            f"imd_decile must be {MIN_IMD_DECILE}-{MAX_IMD_DECILE} or null",
            "imd_decile",
        )

    name = event.vaccine_name
    if len(name) > MAX_TEXT_LENGTH or not name.isprintable() or not name.strip():
        raise _text_error("vaccine_name")
    source = event.source_system
    if len(source) > MAX_TEXT_LENGTH or not source.isprintable() or not source.strip():
        raise _text_error("source_system")

    ltla = areas.resolve_ltla(event.ltla_code)
    if ltla is None:
        raise InvalidEvent(Reason.UNKNOWN_AREA, "ltla_code is not a known LTLA", "ltla_code")
    msoa = event.msoa_code
    if msoa is not None:
        msoa_ltla = areas.msoa_ltla(msoa)
        if msoa_ltla is None:
            raise InvalidEvent(Reason.UNKNOWN_MSOA, "msoa_code is not a known MSOA", "msoa_code")
        if msoa_ltla != ltla:
            raise InvalidEvent(
                Reason.MSOA_NOT_IN_AREA, "msoa_code does not lie in ltla_code", "msoa_code"
            )
    return event if ltla == event.ltla_code else replace(event, ltla_code=ltla)


def refuse_nhs_numbers(fields: Iterable[tuple[str | None, object]]) -> None:
    """InvalidEvent (nhs_number_in_field) naming the first field that holds an NHS number.

    Strings are searched (see `nhs_numbers`); an integer is one if its ten digits are. The
    message never repeats the value; a field whose name is not safe to repeat is given as None.
    """
    for name, value in fields:
        if value_holds_nhs_number(value):
            raise InvalidEvent(
                Reason.NHS_NUMBER_IN_FIELD,
                f"{name or 'a field'} holds what reads as an NHS number; an NHS number may "
                "only be sent as nhs_number, which is pseudonymised and never stored",
                name,
            )


def _text_error(field: str) -> InvalidEvent:
    return InvalidEvent(
        Reason.BAD_FORMAT, f"{field} must be 1-{MAX_TEXT_LENGTH} printable characters", field
    )


def _check_id(value: str, field: str) -> None:
    if not value:
        raise InvalidEvent(Reason.EMPTY_EVENT_ID, f"{field} must not be empty", field)
    if len(value) > MAX_EVENT_ID_LENGTH:
        raise InvalidEvent(
            Reason.EVENT_ID_TOO_LONG, f"{field} is longer than {MAX_EVENT_ID_LENGTH}", field
        )
    if not (value.isascii() and value.isprintable()) or " " in value:
        raise InvalidEvent(
            Reason.BAD_FORMAT, f"{field} must be printable ASCII without spaces", field
        )
