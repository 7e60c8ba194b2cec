"""NHS number checking and pseudonyms: stable, keyed, and never leaking the number."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.contract.errors import InvalidEvent
from services.contract.json_codec import event_from_json, event_to_json
from services.contract.pseudonym import Pseudonymiser, is_valid_nhs_number, normalise_nhs_number
from services.contract.reasons import Reason
from tests.unit.contract.contract_examples import PSEUDONYM_KEY, VALID_NHS_NUMBERS, sample_event

_WEIGHTS = range(10, 1, -1)
_nine_digits = st.text("0123456789", min_size=9, max_size=9)


def _check_digit(nine: str) -> int:
    return (11 - sum(int(d) * w for d, w in zip(nine, _WEIGHTS, strict=True)) % 11) % 11


@pytest.mark.parametrize("number", [*VALID_NHS_NUMBERS, "943 476 5919", " 9434765870 "])
def test_known_valid_numbers_are_accepted(number: str) -> None:
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",
        "943476591",
        "94347659190",
        "94347659a9",
        "943-476-5919",
        "",
        "９４３４７６５９１９",
    ],
)
def test_malformed_numbers_are_refused(number: str) -> None:
    assert not is_valid_nhs_number(number)


@given(_nine_digits)
def test_exactly_the_modulus_11_check_digit_is_accepted(nine: str) -> None:
    check = _check_digit(nine)
    accepted = [d for d in "0123456789" if is_valid_nhs_number(nine + d)]
    # A remainder giving check digit 10 means no number with these nine digits exists.
    assert accepted == ([] if check == 10 else [str(check)])


def test_a_check_digit_of_ten_is_never_valid() -> None:
    nine = "100000001"
    assert _check_digit(nine) == 10
    assert not any(is_valid_nhs_number(nine + d) for d in "0123456789")


def test_spaces_do_not_change_the_person() -> None:
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    pseudonymiser = Pseudonymiser(PSEUDONYM_KEY)
    assert pseudonymiser.person_key("943 476 5919") == pseudonymiser.person_key("9434765919")


def test_pseudonyms_are_stable_per_key_and_differ_across_keys() -> None:
    first, other = Pseudonymiser(PSEUDONYM_KEY), Pseudonymiser(b"another-secret-key-0123456")
    again = Pseudonymiser(PSEUDONYM_KEY)
    a, b = VALID_NHS_NUMBERS
    assert first.person_key(a) == again.person_key(a)
    assert first.person_key(a) != other.person_key(a)
    assert first.person_key(a) != first.person_key(b)
    key = first.person_key(a)
    assert len(key) == 64 and key == key.lower() and int(key, 16) >= 0
    assert a not in key


def test_short_keys_are_refused_and_keys_never_shown() -> None:
    with pytest.raises(ValueError):
        Pseudonymiser(b"short")
    assert PSEUDONYM_KEY.decode() not in repr(Pseudonymiser(PSEUDONYM_KEY))


@given(st.text("0123456789 ", min_size=8, max_size=14).filter(lambda s: len(s.strip()) >= 8))
def test_refusals_never_repeat_the_number(number: str) -> None:
    if is_valid_nhs_number(number):
        return
    obj = event_to_json(sample_event())
    del obj["person_key"]
    obj["nhs_number"] = number
    with pytest.raises(InvalidEvent) as caught:
        event_from_json(obj, pseudonymiser=Pseudonymiser(PSEUDONYM_KEY))
    error = caught.value
    assert (error.reason, error.field) == (Reason.INVALID_NHS_NUMBER, "nhs_number")
    for text in (str(error), repr(error)):
        assert number.strip() not in text
        assert number.replace(" ", "") not in text


@given(_nine_digits, st.sampled_from("0123456789"))
def test_wrong_check_digits_are_refused_without_echo(nine: str, digit: str) -> None:
    number = nine + digit
    if is_valid_nhs_number(number):
        return
    with pytest.raises(InvalidEvent) as caught:
        Pseudonymiser(PSEUDONYM_KEY).person_key(number)
    assert caught.value.reason is Reason.INVALID_NHS_NUMBER
    assert number not in str(caught.value) and number not in repr(caught.value)


@given(key=st.binary(min_size=16, max_size=200), nine=_nine_digits)
def test_the_person_key_is_the_standard_hmac_sha256_for_any_key_length(
    key: bytes, nine: str
) -> None:
    check = _check_digit(nine)
    assume(check != 10)  # never issued; refused elsewhere
    number = f"{nine}{check}"
    expected = hmac.new(key, number.encode(), hashlib.sha256).hexdigest()
    assert Pseudonymiser(key).person_key(number) == expected
