"""No NHS number survives redaction, wherever it sits in what a publisher sent."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from services.contract.pseudonym import is_valid_nhs_number
from services.ingest.redaction import REDACTED, redact, redact_text

nhs_numbers = (
    st.lists(st.integers(0, 9), min_size=9, max_size=9)
    .map(
        lambda d: (
            [*d, (11 - sum(x * w for x, w in zip(d, range(10, 1, -1), strict=True)) % 11) % 11]
        )
    )
    .filter(lambda d: d[9] != 10)
    .map(lambda d: "".join(map(str, d)))
)
spaced = nhs_numbers.map(lambda n: f"{n[:3]} {n[3:6]} {n[6:]}")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(nhs_numbers, st.text(max_size=10), st.text(max_size=10))
def test_an_nhs_number_inside_any_text_is_removed(number: str, before: str, after: str) -> None:
    assert is_valid_nhs_number(number)
    text = f"{before} {number} {after}"
    assert number not in redact_text(text)
    assert number not in redact_text(f"{number[:3]} {number[3:6]} {number[6:]}")


@given(json_values, nhs_numbers | spaced, st.sampled_from(["value", "key", "nhs_number"]))
def test_an_nhs_number_anywhere_in_a_json_document_is_removed(
    document: object, number: str, where: str
) -> None:
    if where == "key":
        planted: object = {number: document}
    elif where == "value":
        planted = [document, {"note": f"patient {number}"}]
    else:
        planted = {"nhs_number": number, "rest": document}
    assert number not in json.dumps(redact(planted))


def test_invalid_numbers_in_the_nhs_number_field_and_fhir_identifiers_are_removed_too() -> None:
    document = {
        "nhs_number": "9434765918",  # wrong check digit: still someone's mistyped number
        "patient": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "123"}},
        "dose_number": 2,
        "event_id": "emis-0001",
    }
    assert redact(document) == {
        "nhs_number": REDACTED,
        "patient": {
            "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": REDACTED}
        },
        "dose_number": 2,
        "event_id": "emis-0001",
    }


def test_other_numbers_are_kept() -> None:
    assert redact_text("SNOMED 39114911000001105, ODS E85001, 1234567890") == (
        "SNOMED 39114911000001105, ODS E85001, 1234567890"
    )
