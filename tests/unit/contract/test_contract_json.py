"""The JSON form of events: round trips, pseudonymisation on the way in, strictness."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given

from services.contract.errors import InvalidEvent
from services.contract.events import VaccinationEvent
from services.contract.json_codec import event_from_json, event_to_json
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason
from tests.unit.contract.contract_examples import (
    PSEUDONYM_KEY,
    VALID_NHS_NUMBERS,
    sample_event,
    valid_events,
)

PSEUDONYMISER = Pseudonymiser(PSEUDONYM_KEY)


def _json(**changes: Any) -> dict[str, Any]:
    obj = event_to_json(sample_event())
    obj.update(changes)
    return obj


def _refusal(obj: object) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as caught:
        event_from_json(obj, pseudonymiser=PSEUDONYMISER)
    return caught.value


@given(valid_events())
def test_any_valid_event_survives_json(event: VaccinationEvent) -> None:
    assert event_from_json(event_to_json(event), pseudonymiser=PSEUDONYMISER) == event


def test_json_form_uses_iso_dates_and_enum_values() -> None:
    obj = event_to_json(sample_event())
    assert obj["vaccination_date"] == "2021-03-01"
    assert obj["recorded_at"] == "2021-03-01T10:30:00+00:00"
    assert (obj["kind"], obj["sex"], obj["site_type"]) == ("ADMINISTERED", "FEMALE", "GP")


def test_nhs_number_is_replaced_by_the_pseudonym() -> None:
    obj = _json(nhs_number="943 476 5919")
    del obj["person_key"]
    event = event_from_json(obj, pseudonymiser=PSEUDONYMISER)
    assert event.person_key == PSEUDONYMISER.person_key(VALID_NHS_NUMBERS[0])
    assert VALID_NHS_NUMBERS[0] not in repr(event)


def test_offsets_are_kept_as_the_same_instant() -> None:
    event = event_from_json(
        _json(recorded_at="2021-03-01T11:30:00.250+01:00"), pseudonymiser=PSEUDONYMISER
    )
    assert event.recorded_at == datetime(2021, 3, 1, 10, 30, 0, 250_000, tzinfo=UTC)
    assert event.recorded_at.utcoffset() == timedelta(hours=1)
    zulu = event_from_json(_json(recorded_at="2021-03-01T10:30:00Z"), pseudonymiser=PSEUDONYMISER)
    assert zulu.recorded_at == datetime(2021, 3, 1, 10, 30, tzinfo=UTC)


def test_optional_fields_may_be_omitted() -> None:
    obj = _json()
    for name in ("supersedes_event_id", "msoa_code", "jcvi_group", "imd_decile"):
        del obj[name]
    del obj["vaccination_site_ods_code"]
    event = event_from_json(obj, pseudonymiser=PSEUDONYMISER)
    assert (event.msoa_code, event.jcvi_group, event.vaccination_site_ods_code) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"dose_number": True}, Reason.WRONG_TYPE, "dose_number"),
        ({"dose_number": 1.0}, Reason.WRONG_TYPE, "dose_number"),
        ({"age_years": math.nan}, Reason.WRONG_TYPE, "age_years"),
        ({"imd_decile": math.inf}, Reason.WRONG_TYPE, "imd_decile"),
        ({"care_home_resident": 0}, Reason.WRONG_TYPE, "care_home_resident"),
        ({"event_id": 17}, Reason.WRONG_TYPE, "event_id"),
        ({"ltla_code": None}, Reason.MISSING_FIELD, "ltla_code"),
        ({"kind": "GIVEN"}, Reason.UNKNOWN_KIND, "kind"),
        ({"sex": "female"}, Reason.UNKNOWN_SEX, "sex"),
        ({"site_type": "DRIVE_THROUGH"}, Reason.UNKNOWN_SITE_TYPE, "site_type"),
        ({"vaccination_date": "20210301"}, Reason.BAD_FORMAT, "vaccination_date"),
        ({"vaccination_date": "2021-02-30"}, Reason.BAD_FORMAT, "vaccination_date"),
        ({"vaccination_date": 20210301}, Reason.WRONG_TYPE, "vaccination_date"),
        ({"recorded_at": "2021-03-01T10:30:00"}, Reason.BAD_FORMAT, "recorded_at"),
        ({"recorded_at": "2021-03-01"}, Reason.BAD_FORMAT, "recorded_at"),
        ({"recorded_at": "yesterday"}, Reason.BAD_FORMAT, "recorded_at"),
        ({"nhs_number": "9434765919"}, Reason.BAD_FORMAT, "nhs_number"),
        ({"person_key": 12}, Reason.WRONG_TYPE, "person_key"),
        ({"msoa": "E02000372"}, Reason.UNKNOWN_FIELD, "msoa"),
    ],
)
def test_ill_formed_fields_are_refused_with_reason_and_field(
    changes: dict[str, Any], reason: Reason, field: str
) -> None:
    error = _refusal(_json(**changes))
    assert (error.reason, error.field) == (reason, field)


def test_missing_required_field_is_named() -> None:
    obj = _json()
    del obj["vaccine_name"]
    error = _refusal(obj)
    assert (error.reason, error.field) == (Reason.MISSING_FIELD, "vaccine_name")


def test_a_person_is_required() -> None:
    obj = _json()
    del obj["person_key"]
    assert _refusal(obj).reason is Reason.MISSING_FIELD


def test_nhs_number_must_be_a_string() -> None:
    obj = _json(nhs_number=9434765919)
    del obj["person_key"]
    assert _refusal(obj).reason is Reason.WRONG_TYPE


def test_unknown_field_named_like_personal_data_is_not_echoed() -> None:
    error = _refusal(_json(**{"9434765919": "x"}))
    assert error.reason is Reason.UNKNOWN_FIELD
    assert "9434765919" not in str(error)
    assert error.field is None


@pytest.mark.parametrize("obj", [[], "event", None, 3])
def test_non_objects_are_refused(obj: object) -> None:
    assert _refusal(obj).reason is Reason.WRONG_TYPE


def test_dates_are_parsed_to_date_objects() -> None:
    event = event_from_json(_json(vaccination_date="2021-12-25"), pseudonymiser=PSEUDONYMISER)
    assert event.vaccination_date == date(2021, 12, 25)
