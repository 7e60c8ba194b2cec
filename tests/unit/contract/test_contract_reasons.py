"""Every reason code can actually be produced, through the public entry points, as itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from services.contract.codec import decode, encode
from services.contract.counted_content import refuse_conflicting_copy
from services.contract.errors import ContractError
from services.contract.events import EventKind
from services.contract.json_codec import event_from_json, event_to_json
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason
from services.contract.validation import validate
from tests.unit.contract.contract_examples import (
    AREAS,
    BIRMINGHAM,
    PSEUDONYM_KEY,
    TODAY,
    sample_event,
)

PSEUDONYMISER = Pseudonymiser(PSEUDONYM_KEY)


def _from_json(**changes: Any) -> Callable[[], object]:
    obj = event_to_json(sample_event())
    obj.update(changes)
    return lambda: event_from_json(obj, pseudonymiser=PSEUDONYMISER)


def _validate(**changes: Any) -> Callable[[], object]:
    return lambda: validate(sample_event(**changes), areas=AREAS, today=TODAY)


def _nhs_number(number: str) -> Callable[[], object]:
    obj = event_to_json(sample_event())
    del obj["person_key"]
    obj["nhs_number"] = number
    return lambda: event_from_json(obj, pseudonymiser=PSEUDONYMISER)


_GOOD = encode(sample_event())

PRODUCERS: dict[Reason, Callable[[], object]] = {
    Reason.BAD_MAGIC: lambda: decode(b"{" + _GOOD[1:]),
    Reason.UNKNOWN_SCHEMA: lambda: decode(_GOOD[:2] + bytes(8) + _GOOD[10:]),
    Reason.UNDECODABLE: lambda: decode(_GOOD[:-3]),
    Reason.MISSING_FIELD: _from_json(ltla_code=None),
    Reason.UNKNOWN_FIELD: _from_json(colour="blue"),
    Reason.WRONG_TYPE: _from_json(age_years="54"),
    Reason.BAD_FORMAT: _from_json(vaccination_date="01/03/2021"),
    Reason.INVALID_NHS_NUMBER: _nhs_number("9434765918"),
    Reason.EMPTY_EVENT_ID: _validate(event_id=""),
    Reason.EVENT_ID_TOO_LONG: _validate(event_id="e" * 500),
    Reason.INVALID_PERSON_KEY: _validate(person_key="ABCDEF0123"),
    Reason.MISSING_SUPERSEDES: _validate(kind=EventKind.ENTERED_IN_ERROR),
    Reason.UNEXPECTED_SUPERSEDES: _validate(supersedes_event_id="emis-0000"),
    Reason.SUPERSEDES_SELF: _validate(kind=EventKind.CORRECTED, supersedes_event_id="emis-0001"),
    Reason.CONFLICTING_DUPLICATE: lambda: refuse_conflicting_copy(
        sample_event(), sample_event(age_years=30)
    ),
    Reason.UNKNOWN_KIND: _from_json(kind="administered"),
    Reason.UNKNOWN_SEX: _from_json(sex="M"),
    Reason.UNKNOWN_SITE_TYPE: _from_json(site_type="CAR_PARK"),
    Reason.UNKNOWN_ETHNIC_CODE: _validate(ethnic_category="O"),
    Reason.INVALID_SNOMED_CODE: _validate(vaccine_snomed_code="Pfizer"),
    Reason.INVALID_ODS_CODE: _validate(vaccination_site_ods_code="not an ods code"),
    Reason.NHS_NUMBER_IN_FIELD: _validate(vaccine_name="AZ pt 283 634 7678"),
    Reason.UNKNOWN_AREA: _validate(ltla_code="W06000015"),
    Reason.UNKNOWN_MSOA: _validate(msoa_code="E02999999"),
    Reason.MSOA_NOT_IN_AREA: _validate(ltla_code=BIRMINGHAM),
    Reason.DATE_BEFORE_PROGRAMME: _validate(vaccination_date=date(2020, 1, 1)),
    Reason.DATE_IN_FUTURE: _validate(vaccination_date=date(2030, 1, 1)),
    Reason.RECORDED_BEFORE_VACCINATED: _validate(vaccination_date=date(2021, 3, 5)),
    Reason.RECORDED_IN_FUTURE: _from_json(recorded_at="2030-01-01T00:00:00Z"),
    Reason.DOSE_OUT_OF_RANGE: _validate(dose_number=12),
    Reason.AGE_OUT_OF_RANGE: _validate(age_years=130),
    Reason.JCVI_GROUP_OUT_OF_RANGE: _validate(jcvi_group=12),
    Reason.IMD_DECILE_OUT_OF_RANGE: _validate(imd_decile=-3),
}


def test_every_reason_has_a_producer() -> None:
    assert set(PRODUCERS) == set(Reason)


def test_reason_codes_are_stable_snake_case() -> None:
    for reason in Reason:
        assert reason.value == reason.name.lower()


@pytest.mark.parametrize("reason", list(PRODUCERS), ids=str)
def test_reason_is_reported_with_its_code(reason: Reason) -> None:
    with pytest.raises(ContractError) as caught:
        result = PRODUCERS[reason]()
        # A JSON event that parses still has to pass validation before it counts.
        validate(result, areas=AREAS, today=TODAY)  # type: ignore[arg-type]
    assert caught.value.reason is reason
    assert str(caught.value) == caught.value.message
