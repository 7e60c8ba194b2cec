"""Each item is admitted as a valid event stamped with its publisher, or refused with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.contract.codec import decode
from services.contract.dead_letter import DeadLetter, Stage, decode_dead_letter
from services.contract.errors import CodecError
from services.contract.json_codec import event_to_json
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason
from services.ingest.admission import Accepted, Admission, Rejected
from services.ingest.batch_parsing import (
    ParsedItem,
    RawText,
    parse_json_array,
    parse_json_lines,
)
from services.platform.dead_letters import dead_letter_record
from tests.unit.contract.contract_examples import (
    AREAS,
    PSEUDONYM_KEY,
    TODAY,
    digits_of,
    sample_event,
    texts_with_nhs_numbers,
    valid_events,
)

ADMISSION = Admission(
    publisher="TPP SystmOne", pseudonymiser=Pseudonymiser(PSEUDONYM_KEY), areas=AREAS, today=TODAY
)
NHS_NUMBER = "9434765919"


@given(valid_events())
def test_every_valid_event_is_accepted_as_its_publishers(event: object) -> None:
    for content in (event, event_to_json(event)):  # type: ignore[arg-type]
        outcome = ADMISSION.admit(ParsedItem(content))
        assert isinstance(outcome, Accepted)
        assert outcome.event.source_system == "TPP SystmOne"
        assert decode(outcome.value) == outcome.event


def test_an_nhs_number_becomes_the_person_key_and_is_forgotten() -> None:
    obj = event_to_json(sample_event()) | {"person_key": None, "nhs_number": NHS_NUMBER}
    outcome = ADMISSION.admit(ParsedItem(obj))
    assert isinstance(outcome, Accepted)
    assert outcome.event.person_key == Pseudonymiser(PSEUDONYM_KEY).person_key(NHS_NUMBER)
    assert NHS_NUMBER.encode() not in outcome.value


def dead_lettered(outcome: Rejected) -> bytes:
    """Every byte of the dead-letter record written for a refused item."""
    letter = DeadLetter.from_error(
        outcome.error,
        original=outcome.original,
        stage=Stage.INGEST,
        failed_at=datetime(2021, 3, 1, tzinfo=UTC),
        event_id=outcome.event_id,
        publisher="TPP SystmOne",
    )
    record = dead_letter_record(letter, topic="vaccination-events.dlq")
    assert record.key is None or record.key.decode() == decode_dead_letter(record.value).event_id
    return decode_dead_letter(record.value).original


def test_a_refused_item_keeps_its_reason_id_and_original_without_the_nhs_number() -> None:
    obj = event_to_json(sample_event(event_id="emis-9")) | {
        "person_key": None,
        "nhs_number": NHS_NUMBER,
        "ltla_code": "E09999999",
    }
    outcome = ADMISSION.admit(ParsedItem(obj))
    assert isinstance(outcome, Rejected)
    assert (outcome.error.reason, outcome.event_id) == (Reason.UNKNOWN_AREA, "emis-9")
    kept = dead_lettered(outcome)
    assert json.loads(kept)["ltla_code"] == "E09999999" and NHS_NUMBER.encode() not in kept


def test_items_that_could_not_be_parsed_are_refused_with_their_text() -> None:
    error = CodecError(Reason.UNDECODABLE, "line 1 is not a JSON value")
    outcome = ADMISSION.admit(ParsedItem(None, error, RawText('{"nhs_number": "9434765919", ')))
    assert isinstance(outcome, Rejected)
    assert outcome.error is error and outcome.event_id is None
    assert dead_lettered(outcome) == b'{"nhs_number": "[redacted]", '


def test_a_json_value_that_is_not_an_object_is_refused() -> None:
    outcome = ADMISSION.admit(ParsedItem([1, 2]))
    assert isinstance(outcome, Rejected) and outcome.error.reason is Reason.WRONG_TYPE


def test_a_field_given_twice_is_refused_even_when_both_values_are_valid() -> None:
    text = json.dumps(event_to_json(sample_event()))
    twice = text[:-1] + ', "dose_number": 2}'  # the event already says dose 1
    for items in (parse_json_array(twice.encode()), parse_json_lines(twice.encode(), max_events=9)):
        outcome = ADMISSION.admit(items[0])
        assert isinstance(outcome, Rejected)
        assert (outcome.error.reason, outcome.error.field) == (Reason.BAD_FORMAT, "dose_number")
    once = parse_json_array(text.encode())
    assert isinstance(ADMISSION.admit(once[0]), Accepted)


@given(texts_with_nhs_numbers(), st.sampled_from(["event_id", "vaccine_name", "msoa_code"]))
def test_an_nhs_number_in_any_field_is_refused_naming_the_field_and_never_repeated(
    planted: tuple[str, str], field: str
) -> None:
    text, number = planted
    obj = event_to_json(sample_event()) | {field: text, "ltla_code": "not even a code"}
    outcome = ADMISSION.admit(ParsedItem(obj))
    assert isinstance(outcome, Rejected)
    assert (outcome.error.reason, outcome.error.field) == (Reason.NHS_NUMBER_IN_FIELD, field)
    assert number not in outcome.error.message + str(outcome.event_id)
    assert number not in digits_of(dead_lettered(outcome))
