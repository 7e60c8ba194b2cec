"""Dead letters keep the refused bytes and the reason, and survive their own encoding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.contract.codec import decode, encode
from services.contract.dead_letter import DeadLetter, Stage, decode_dead_letter, encode_dead_letter
from services.contract.errors import CodecError
from services.contract.reasons import Reason
from tests.unit.contract.contract_examples import sample_event

WHEN = datetime(2021, 3, 2, 8, 0, 0, 123_000, tzinfo=UTC)


def test_a_codec_error_becomes_a_dead_letter_with_its_source() -> None:
    original = b"\x00\x01garbage"
    with pytest.raises(CodecError) as caught:
        decode(original)
    letter = DeadLetter.from_error(
        caught.value,
        original=original,
        stage=Stage.AGGREGATE,
        failed_at=WHEN,
        topic="vaccination-events",
        partition=3,
        offset=1234,
    )
    again = decode_dead_letter(encode_dead_letter(letter))
    assert again == letter
    assert again.reason == Reason.BAD_MAGIC == "bad_magic"
    assert (again.topic, again.partition, again.offset) == ("vaccination-events", 3, 1234)


@given(
    st.binary(max_size=200),
    st.sampled_from(Reason),
    st.text(max_size=50),
    st.sampled_from(Stage),
    st.none() | st.text(max_size=20),
    st.none() | st.integers(0, 2**63 - 1),
)
def test_dead_letters_round_trip(
    original: bytes,
    reason: Reason,
    message: str,
    stage: Stage,
    publisher: str | None,
    offset: int | None,
) -> None:
    letter = DeadLetter(
        original=original,
        reason=reason.value,
        message=message,
        stage=stage,
        failed_at=WHEN,
        publisher=publisher,
        offset=offset,
    )
    assert decode_dead_letter(encode_dead_letter(letter)) == letter


def test_an_event_is_not_a_dead_letter() -> None:
    with pytest.raises(CodecError) as caught:
        decode_dead_letter(encode(sample_event()))
    assert caught.value.reason is Reason.UNKNOWN_SCHEMA


@given(st.binary(max_size=100))
def test_random_bytes_are_never_a_dead_letter(data: bytes) -> None:
    with pytest.raises(CodecError):
        decode_dead_letter(data)
