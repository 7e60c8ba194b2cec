"""Business rules: valid events pass (legacy areas mapped), each broken rule says which."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given

from services.contract.errors import InvalidEvent
from services.contract.events import EventKind, VaccinationEvent
from services.contract.reasons import Reason
from services.contract.validation import validate
from tests.unit.contract.contract_examples import (
    AREAS,
    AYLESBURY_VALE_LEGACY,
    BIRMINGHAM,
    BUCKINGHAMSHIRE,
    TODAY,
    sample_event,
    valid_events,
)


def _refusal(**changes: Any) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as caught:
        validate(sample_event(**changes), areas=AREAS, today=TODAY)
    return caught.value


@given(valid_events())
def test_valid_events_pass_with_current_area_codes(event: VaccinationEvent) -> None:
    checked = validate(event, areas=AREAS, today=TODAY)
    assert checked.ltla_code == AREAS.resolve_ltla(event.ltla_code)
    assert replace(checked, ltla_code=event.ltla_code) == event


def test_legacy_ltla_is_mapped_to_its_2021_successor() -> None:
    event = sample_event(ltla_code=AYLESBURY_VALE_LEGACY, msoa_code="E02003652")
    assert validate(event, areas=AREAS, today=TODAY).ltla_code == BUCKINGHAMSHIRE


def test_a_current_event_is_returned_unchanged() -> None:
    event = sample_event()
    assert validate(event, areas=AREAS, today=TODAY) is event


def test_corrections_and_retractions_name_what_they_supersede() -> None:
    for kind in (EventKind.CORRECTED, EventKind.ENTERED_IN_ERROR):
        event = sample_event(kind=kind, supersedes_event_id="emis-0000")
        assert validate(event, areas=AREAS, today=TODAY) is event


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"event_id": ""}, Reason.EMPTY_EVENT_ID, "event_id"),
        ({"event_id": "x" * 129}, Reason.EVENT_ID_TOO_LONG, "event_id"),
        ({"event_id": "has space"}, Reason.BAD_FORMAT, "event_id"),
        ({"event_id": "tab\there"}, Reason.BAD_FORMAT, "event_id"),
        ({"event_id": "ünïcode"}, Reason.BAD_FORMAT, "event_id"),
        ({"kind": "GIVEN"}, Reason.UNKNOWN_KIND, "kind"),
        ({"kind": EventKind.CORRECTED}, Reason.MISSING_SUPERSEDES, "supersedes_event_id"),
        ({"kind": EventKind.ENTERED_IN_ERROR}, Reason.MISSING_SUPERSEDES, "supersedes_event_id"),
        ({"supersedes_event_id": "emis-0000"}, Reason.UNEXPECTED_SUPERSEDES, "supersedes_event_id"),
        (
            {"kind": EventKind.CORRECTED, "supersedes_event_id": "emis-0001"},
            Reason.SUPERSEDES_SELF,
            "supersedes_event_id",
        ),
        (
            {"kind": EventKind.CORRECTED, "supersedes_event_id": ""},
            Reason.EMPTY_EVENT_ID,
            "supersedes_event_id",
        ),
        ({"person_key": "9434765919"}, Reason.NHS_NUMBER_IN_FIELD, "person_key"),
        ({"person_key": "not a key"}, Reason.INVALID_PERSON_KEY, "person_key"),
        ({"person_key": "AB" * 32}, Reason.INVALID_PERSON_KEY, "person_key"),
        ({"person_key": "ab" * 31 + "zz"}, Reason.INVALID_PERSON_KEY, "person_key"),
        ({"ltla_code": "E09999999"}, Reason.UNKNOWN_AREA, "ltla_code"),
        ({"msoa_code": "E02999999"}, Reason.UNKNOWN_MSOA, "msoa_code"),
        ({"ltla_code": BIRMINGHAM}, Reason.MSOA_NOT_IN_AREA, "msoa_code"),
        ({"vaccination_date": date(2020, 12, 7)}, Reason.DATE_BEFORE_PROGRAMME, "vaccination_date"),
        (
            {"vaccination_date": TODAY + timedelta(days=1)},
            Reason.DATE_IN_FUTURE,
            "vaccination_date",
        ),
        (
            {"recorded_at": datetime(2021, 2, 28, 22, 59, tzinfo=UTC)},
            Reason.RECORDED_BEFORE_VACCINATED,
            "recorded_at",
        ),
        (
            {"recorded_at": datetime(2022, 6, 3, 0, 0, tzinfo=UTC)},
            Reason.RECORDED_IN_FUTURE,
            "recorded_at",
        ),
        ({"recorded_at": datetime(2021, 3, 1, 10, 30)}, Reason.BAD_FORMAT, "recorded_at"),
        ({"dose_number": 0}, Reason.DOSE_OUT_OF_RANGE, "dose_number"),
        ({"dose_number": 11}, Reason.DOSE_OUT_OF_RANGE, "dose_number"),
        ({"age_years": -1}, Reason.AGE_OUT_OF_RANGE, "age_years"),
        ({"age_years": 121}, Reason.AGE_OUT_OF_RANGE, "age_years"),
        ({"sex": "F"}, Reason.UNKNOWN_SEX, "sex"),
        ({"site_type": "DRIVE_THROUGH"}, Reason.UNKNOWN_SITE_TYPE, "site_type"),
        ({"ethnic_category": "I"}, Reason.UNKNOWN_ETHNIC_CODE, "ethnic_category"),
        ({"ethnic_category": "O"}, Reason.UNKNOWN_ETHNIC_CODE, "ethnic_category"),
        ({"ethnic_category": "Q"}, Reason.UNKNOWN_ETHNIC_CODE, "ethnic_category"),
        ({"ethnic_category": "a"}, Reason.UNKNOWN_ETHNIC_CODE, "ethnic_category"),
        ({"jcvi_group": 0}, Reason.JCVI_GROUP_OUT_OF_RANGE, "jcvi_group"),
        ({"jcvi_group": 10}, Reason.JCVI_GROUP_OUT_OF_RANGE, "jcvi_group"),
        ({"imd_decile": 0}, Reason.IMD_DECILE_OUT_OF_RANGE, "imd_decile"),
        ({"imd_decile": 11}, Reason.IMD_DECILE_OUT_OF_RANGE, "imd_decile"),
        ({"vaccine_snomed_code": "COVID"}, Reason.INVALID_SNOMED_CODE, "vaccine_snomed_code"),
        ({"vaccine_snomed_code": "012345"}, Reason.INVALID_SNOMED_CODE, "vaccine_snomed_code"),
        (
            {"vaccination_site_ods_code": "e85001"},
            Reason.INVALID_ODS_CODE,
            "vaccination_site_ods_code",
        ),
        ({"vaccination_site_ods_code": "E8"}, Reason.INVALID_ODS_CODE, "vaccination_site_ods_code"),
        (
            {"vaccination_site_ods_code": "123456"},
            Reason.INVALID_ODS_CODE,
            "vaccination_site_ods_code",
        ),
        (
            {"vaccination_site_ods_code": "E850010001"},
            Reason.INVALID_ODS_CODE,
            "vaccination_site_ods_code",
        ),
        (
            {"vaccination_site_ods_code": "3587183775"},
            Reason.NHS_NUMBER_IN_FIELD,
            "vaccination_site_ods_code",
        ),
        ({"vaccine_name": "  "}, Reason.BAD_FORMAT, "vaccine_name"),
        ({"source_system": "x" * 201}, Reason.BAD_FORMAT, "source_system"),
        ({"source_system": "EMIS\n"}, Reason.BAD_FORMAT, "source_system"),
    ],
)
def test_each_broken_rule_is_reported_with_its_reason_and_field(
    changes: dict[str, Any], reason: Reason, field: str
) -> None:
    error = _refusal(**changes)
    assert (error.reason, error.field) == (reason, field)
    assert error.message


def test_boundaries_are_inclusive() -> None:
    for changes in (
        {"vaccination_date": date(2020, 12, 8), "recorded_at": datetime(2020, 12, 8, tzinfo=UTC)},
        {"vaccination_date": TODAY, "recorded_at": datetime(2022, 6, 2, 23, 59, tzinfo=UTC)},
        {"dose_number": 1},
        {"dose_number": 10},
        {"age_years": 0},
        {"age_years": 120},
        {"jcvi_group": 1, "imd_decile": 10},
        {"jcvi_group": 9, "imd_decile": 1},
        {"jcvi_group": None, "imd_decile": None, "msoa_code": None},
        {"ethnic_category": "99"},
        {"event_id": "x" * 128},
        *({"vaccination_site_ods_code": ods} for ods in ("RJ1", "00J", "A81001", "EE134290")),
    ):
        validate(sample_event(**changes), areas=AREAS, today=TODAY)


def test_a_dose_recorded_just_after_uk_midnight_in_summer_is_accepted() -> None:
    # 00:30 BST on 1 June is 23:30 UTC on 31 May.
    event = sample_event(
        vaccination_date=date(2021, 6, 1), recorded_at=datetime(2021, 5, 31, 23, 30, tzinfo=UTC)
    )
    assert validate(event, areas=AREAS, today=TODAY) is event
