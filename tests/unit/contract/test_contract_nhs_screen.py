"""The fast screen of an event's values answers exactly what asking each value would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.contract import nhs_numbers
from services.contract.nhs_screen import any_holds_nhs_number, value_holds_nhs_number
from tests.unit.contract.contract_examples import written_nhs_numbers

# Pieces of dates, times, codes and numbers, so that generated strings come close to the rule.
_pieces = st.sampled_from(
    ["2021", "-03-01", "T10:15:00", "+00:00", "Z", ".123", " ", "/", "12", "943", "0", "ab", "E0"]
)
_texts = st.lists(_pieces | written_nhs_numbers(), max_size=6).map("".join)
_values = st.lists(
    _texts | st.none() | st.booleans() | st.integers(0, 10**11) | st.floats(), max_size=8
)


@given(_values)
def test_the_screen_answers_as_each_value_does_before_and_after_remembering(
    values: list[object],
) -> None:
    expected = any(value_holds_nhs_number(v) for v in values)
    assert any_holds_nhs_number(values) == expected
    assert any_holds_nhs_number(values) == expected  # clean strings are remembered now


def _spans_without_shortcut(text: str) -> list[tuple[int, int]]:
    """`nhs_number_spans` as it was before a whole-text date or time returned early."""
    if not nhs_numbers.might_hold_nhs_number(text):
        return []
    masked = nhs_numbers._NOT_READ.sub(lambda m: "x" * len(m.group()), text)
    spans: list[tuple[int, int]] = []
    for match in nhs_numbers._CANDIDATES.finditer(masked):
        start, end = match.span(1)
        digits = "".join(str(int(c)) for c in match.group(1) if c.isdecimal())
        if not nhs_numbers.is_nhs_number_digits(digits):
            continue
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


@given(_texts)
def test_a_text_read_whole_as_a_date_or_time_gives_the_spans_it_gave_before(text: str) -> None:
    assert nhs_numbers.nhs_number_spans(text) == _spans_without_shortcut(text)


def test_a_timestamp_holds_no_nhs_number_and_a_number_beside_one_is_found() -> None:
    assert not value_holds_nhs_number("2021-03-01T10:15:00+00:00")
    assert value_holds_nhs_number("2021-03-01T10:15:00+00:00 943 476 5919")
    assert any_holds_nhs_number(["2021-03-01", 9434765919])
