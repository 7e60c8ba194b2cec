"""An NHS number is found however it is written; dates, codes and ids are not mistaken for one."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from devtools.simulator.rollout import ASTRAZENECA, MODERNA, PFIZER
from services.contract.errors import InvalidEvent
from services.contract.nhs_numbers import (
    holds_nhs_number,
    is_nhs_number_digits,
    might_hold_nhs_number,
    nhs_number_spans,
)
from services.contract.reasons import Reason
from services.contract.validation import validate
from tests.unit.contract.contract_examples import (
    AREAS,
    TODAY,
    nhs_numbers,
    sample_event,
    texts_with_nhs_numbers,
    written_nhs_numbers,
)

# The forms the issue found accepted, and others people write.
FOUND = [
    "5021394495",
    "AZ for 8701380516",
    "AZ pt 283 634 7678",
    "3587183775",
    "771-934-2496",
    "771.934.2496",
    "771/934/2496",
    "(771) 934-2496",
    "771 - 934 - 2496",
    "77 19 34 24 96",
    "7719-342496",
    "NHS8701380516",
    "nhs:8701380516;",
    "id 12 8701380516",
    "87:01:38:05:16",
    "x_8701380516_y",
    "８７０１３８０５１６",  # full-width digits read the same
    "seen 2021-03-01 8701380516",
]
# Numbers and codes that are not NHS numbers, and must not be refused as one.
NOT_FOUND = [
    "1234567890",  # ten digits failing the check
    "9434765918",  # one digit off
    "39114911000001105",  # SNOMED CT: a longer unbroken run is one number
    "94347659190",  # eleven digits
    "E09000013",
    "E02000372",
    "A81001",
    "2021-03-01T10:15:00",
    "2021-03-01 10:15:00",
    "2021-03-01T10:15:00.123456+01:00",
    "2021-03-01T10:30:00Z",
    "01/03/2021 10:15",
    "01.03.2021 10:15:00",
    "20210301 10:15:00",
    "10:15:00 01/03/2021",
    "A81001-20210301-12",
    "emis-2021-03-01-000123",
    "SIM2021-E09000013-0001234",
    "550e8400-e29b-41d4-a716-446655440000",
    "ab" * 32,  # a person key
    "0123456789b7-0",  # a short hex id that happens to start with ten digits
    "COVID-19 mRNA Vaccine Comirnaty 30micrograms/0.3ml",
    "",
]


@pytest.mark.parametrize("text", FOUND)
def test_every_way_of_writing_a_number_is_found(text: str) -> None:
    assert holds_nhs_number(text)
    assert might_hold_nhs_number(text)


@pytest.mark.parametrize("text", NOT_FOUND)
def test_dates_codes_and_ids_are_not_mistaken_for_one(text: str) -> None:
    assert not holds_nhs_number(text)


def test_the_covid_vaccines_in_use_pass() -> None:
    for code, name in (PFIZER, ASTRAZENECA, MODERNA):
        assert not holds_nhs_number(code) and not holds_nhs_number(name)


def test_random_uuids_and_hashes_are_never_refused() -> None:
    ids = [str(uuid.uuid4()) for _ in range(5000)] + [uuid.uuid4().hex * 2 for _ in range(5000)]
    ids += [f"{uuid.uuid4().hex[:12]}-{i}" for i in range(20000)]
    assert not [i for i in ids if holds_nhs_number(i)]


@given(written_nhs_numbers())
@example("943 476 5919")
def test_a_written_number_is_found_whole(written: str) -> None:
    spans = nhs_number_spans(written)
    assert spans and spans[0][0] == 0 and spans[-1][1] == len(written)


@given(texts_with_nhs_numbers())
def test_a_number_inside_any_text_is_found(planted: tuple[str, str]) -> None:
    text, number = planted
    assert is_nhs_number_digits(number)
    assert holds_nhs_number(text)


@given(st.integers(0, 10**10 - 1).map(lambda n: f"{n:010d}"))
def test_ten_digits_are_one_exactly_when_the_check_digit_matches(digits: str) -> None:
    assert holds_nhs_number(digits) is is_nhs_number_digits(digits)
    spaced = f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    assert holds_nhs_number(spaced) is is_nhs_number_digits(digits)


@given(st.text(max_size=60))
def test_the_cheap_test_never_misses_what_the_full_one_finds(text: str) -> None:
    if holds_nhs_number(text):
        assert might_hold_nhs_number(text)


@given(nhs_numbers(), st.sampled_from(["event_id", "vaccine_name", "vaccination_site_ods_code"]))
def test_an_event_holding_one_is_refused_naming_the_field_not_the_number(
    number: str, field: str
) -> None:
    with pytest.raises(InvalidEvent) as caught:
        validate(sample_event(**{field: number}), areas=AREAS, today=TODAY)
    assert (caught.value.reason, caught.value.field) == (Reason.NHS_NUMBER_IN_FIELD, field)
    assert number not in caught.value.message


def test_a_field_too_long_to_search_is_refused_by_its_own_rule() -> None:
    name = "x" * 1100 + " 943 476 5919"
    with pytest.raises(InvalidEvent) as caught:
        validate(sample_event(vaccine_name=name), areas=AREAS, today=TODAY)
    assert (caught.value.reason, caught.value.field) == (Reason.BAD_FORMAT, "vaccine_name")
