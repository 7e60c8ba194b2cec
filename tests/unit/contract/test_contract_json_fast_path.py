"""The fast reader of plain JSON events gives the general reader's event, or leaves it alone."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.contract import json_codec
from services.contract.errors import InvalidEvent
from services.contract.events import VaccinationEvent
from services.contract.json_codec import KNOWN_FIELDS, event_from_json, event_to_json
from services.contract.pseudonym import Pseudonymiser
from tests.unit.contract.contract_examples import PSEUDONYM_KEY, VALID_NHS_NUMBERS, valid_events

PSEUDONYMISER = Pseudonymiser(PSEUDONYM_KEY)

# Values a publisher might put in any field: right and wrong types, edge cases of each.
_values = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        1,
        7,
        10**12,
        1.0,
        "",
        "x",
        "1",
        "ADMINISTERED",
        "CORRECTED",
        "FEMALE",
        "GP",
        "2021-03-01",
        "20210301",
        "2021-02-30",
        "2021-03-01T10:15:00+00:00",
        "2021-03-01T10:15:00",
        "2021-03-01T10:15:00Z",
        VALID_NHS_NUMBERS[0],
        "943 476 5919",
        "9434765918",
        "ab" * 32,
        [],
        {},
    ]
)
_names = st.sampled_from(sorted(KNOWN_FIELDS)) | st.sampled_from(["msoa", "nhs"])


def _outcome(obj: object) -> VaccinationEvent | tuple[str, str | None, str]:
    try:
        return event_from_json(obj, pseudonymiser=PSEUDONYMISER)
    except InvalidEvent as error:
        return (error.reason.value, error.field, error.message)


def _general(obj: object) -> object:
    """The answer of the general reader alone: the fast one switched off for one call."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(json_codec, "_read_plain", lambda obj, pseudonymiser: None)
        return _outcome(obj)


@given(
    event=valid_events(),
    by_number=st.booleans(),
    edits=st.lists(st.tuples(_names, _values | st.just(...)), max_size=3),
)
def test_the_fast_reader_answers_as_the_general_reader(
    event: VaccinationEvent,
    by_number: bool,
    edits: list[tuple[str, Any]],
) -> None:
    obj: dict[str, Any] = event_to_json(event)
    if by_number:
        del obj["person_key"]
        obj["nhs_number"] = VALID_NHS_NUMBERS[1]
    for name, value in edits:
        if value is ...:
            obj.pop(name, None)
        else:
            obj[name] = value
    fast = json_codec._read_plain(obj, PSEUDONYMISER)
    general = _general(obj)
    assert fast is None or fast == general
    assert _outcome(obj) == general


@given(event=valid_events())
def test_plain_events_take_the_fast_reader(event: VaccinationEvent) -> None:
    obj = event_to_json(event)
    assert json_codec._read_plain(obj, PSEUDONYMISER) == event
