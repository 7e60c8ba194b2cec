"""No NHS number survives redaction, whatever was refused and wherever the number sits in it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import assume, given
from hypothesis import strategies as st

from services.contract.codec import decode, encode
from services.contract.dead_letter import DeadLetter, Stage
from services.contract.redaction import (
    MAX_KEPT_BYTES,
    REDACTED,
    publisher_label,
    redact_dead_letter,
    redact_json,
    redact_original,
    redact_text,
)
from tests.unit.contract.contract_examples import (
    digits_of,
    nhs_numbers,
    sample_event,
    texts_with_nhs_numbers,
    written_nhs_numbers,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(texts_with_nhs_numbers())
def test_an_nhs_number_inside_any_text_is_removed(planted: tuple[str, str]) -> None:
    text, number = planted
    assert number not in digits_of(redact_text(text))


@given(json_values, texts_with_nhs_numbers(), st.sampled_from(["value", "key", "nhs_number"]))
def test_an_nhs_number_anywhere_in_a_json_document_is_removed(
    document: object, planted: tuple[str, str], where: str
) -> None:
    text, number = planted
    # Digits are read across the whole document, so its own values may spell the number
    # (ten zeros in ten leaves); then nothing is left for the redaction to prove.
    assume(number not in digits_of(json.dumps(document)))
    if where == "key":
        whole: object = {text: document}
    elif where == "value":
        whole = [document, {"note": text}]
    else:
        whole = {"nhs_number": number, "rest": document}
    kept = redact_original(json.dumps(whole).encode())
    assert number not in digits_of(json.dumps(json.loads(kept)))


def test_invalid_numbers_in_the_nhs_number_field_and_fhir_identifiers_are_removed_too() -> None:
    document = {
        "nhs_number": "9434765918",  # wrong check digit: still someone's mistyped number
        "patient": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "123"}},
        "dose_number": 2,
        "age_years": 9434765919,
        "event_id": "emis-0001",
    }
    assert redact_json(document) == {
        "nhs_number": REDACTED,
        "patient": {
            "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": REDACTED}
        },
        "dose_number": 2,
        "age_years": REDACTED,
        "event_id": "emis-0001",
    }


def test_other_numbers_are_kept() -> None:
    assert redact_text("SNOMED 39114911000001105, ODS E85001, 1234567890, 2021-03-01") == (
        "SNOMED 39114911000001105, ODS E85001, 1234567890, 2021-03-01"
    )


@given(written_nhs_numbers(), st.sampled_from(["person_key", "vaccine_name", "event_id"]))
def test_an_avro_event_keeps_its_shape_without_the_number(written: str, field: str) -> None:
    event = sample_event(**{field: written})
    kept = redact_original(encode(event))
    assert decode(kept) == sample_event(**{field: REDACTED})


@given(
    nhs_numbers(),
    st.binary(max_size=40).filter(lambda b: not b[-1:].isdigit()),
    st.binary(max_size=40).filter(lambda b: not b[:1].isdigit()),
)
def test_bytes_nobody_can_decode_lose_the_number_even_glued_to_a_digit(
    number: str, before: bytes, after: bytes
) -> None:
    for middle in (number, f"{number[:3]}-{number[3:6]}-{number[6:]}", f"4{number}", f"{number}0"):
        raw = b"\xc3\x01\xff" + before + middle.encode() + after
        assert number not in digits_of(redact_original(raw))


def test_broken_json_loses_its_nhs_number_field_valid_or_not() -> None:
    for line in ('{"nhs_number": "9434765918", "dose', '{"nhs_number": 943 476 5918, '):
        assert b"9434765918" not in redact_original(line.encode()).replace(b" ", b"")


def test_what_is_kept_is_cut_to_fit_one_kafka_record() -> None:
    kept = redact_original(json.dumps({"vaccine_name": "x" * 200_000}).encode())
    assert len(kept) == MAX_KEPT_BYTES and kept.endswith(b"...[cut]")


@given(texts_with_nhs_numbers())
def test_every_text_of_a_dead_letter_is_redacted(planted: tuple[str, str]) -> None:
    text, number = planted
    letter = DeadLetter(
        original=json.dumps({"nhs_number": number, "vaccine_name": text}).encode(),
        reason="nhs_number_in_field",
        message="vaccine_name holds what reads as an NHS number",
        stage=Stage.AGGREGATE,
        failed_at=datetime(2021, 3, 1, tzinfo=UTC),
        field="vaccine_name",
        event_id=text,
        topic="vaccination-events",
        publisher=text,
    )
    kept = redact_dead_letter(letter)
    for value in (kept.original, kept.event_id, kept.publisher):
        assert value is not None and number not in digits_of(value)


def test_a_long_run_of_digits_in_undecodable_bytes_is_kept_as_one_number() -> None:
    raw = b"\xc3\x01\xff\x2239115611000001103\x0e"
    assert redact_original(raw) == raw


def test_a_publisher_label_holds_no_nhs_number_nor_control_characters() -> None:
    assert publisher_label("AZ feed 943 476 5919\tline\n") == "AZ feed [redacted]?line?"
    assert publisher_label("x" * 70 + "9434765919") == "x" * 64
    assert publisher_label(None) == "" and publisher_label("TPP SystmOne") == "TPP SystmOne"
