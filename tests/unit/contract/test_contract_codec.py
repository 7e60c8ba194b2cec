"""Avro single-object encoding of events, schema evolution, and refusal of bad bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from io import BytesIO

import pytest
from fastavro import parse_schema, schemaless_reader, schemaless_writer
from hypothesis import given
from hypothesis import strategies as st

from services.contract import codec as codec_module
from services.contract.codec import decode, encode, event_to_record, fingerprints
from services.contract.errors import CodecError
from services.contract.events import VaccinationEvent
from services.contract.reasons import Reason
from services.contract.schema_files import event_schema
from services.contract.single_object import MAGIC
from tests.unit.contract.contract_examples import sample_event, valid_events


@given(valid_events())
def test_any_valid_event_survives_encode_and_decode(event: VaccinationEvent) -> None:
    assert decode(encode(event)) == event


def test_encoding_is_framed_with_magic_and_current_fingerprint() -> None:
    data = encode(sample_event())
    assert data[:2] == MAGIC
    assert data[2:10] == fingerprints()[2]


def test_v1_bytes_are_read_with_the_v2_default() -> None:
    event = sample_event(vaccination_site_ods_code="E85001")
    data = encode(event, version=1)
    assert data[2:10] == fingerprints()[1]
    assert decode(data) == replace(event, vaccination_site_ods_code=None)


def test_v2_bytes_are_readable_by_a_v1_reader() -> None:
    event = sample_event()
    body = BytesIO(encode(event)[10:])
    record = schemaless_reader(body, parse_schema(event_schema(2)), parse_schema(event_schema(1)))
    assert isinstance(record, dict)
    assert "vaccination_site_ods_code" not in record
    assert record["event_id"] == event.event_id
    assert record["recorded_at"] == event.recorded_at
    assert record["vaccination_date"] == event.vaccination_date


def test_wrong_magic_is_refused() -> None:
    data = encode(sample_event())
    with pytest.raises(CodecError) as caught:
        decode(b"\x00\x01" + data[2:])
    assert caught.value.reason is Reason.BAD_MAGIC


def test_unknown_fingerprint_is_refused() -> None:
    data = encode(sample_event())
    with pytest.raises(CodecError) as caught:
        decode(data[:2] + b"\x00" * 8 + data[10:])
    assert caught.value.reason is Reason.UNKNOWN_SCHEMA


def test_every_truncation_is_refused() -> None:
    data = encode(sample_event())
    for end in range(len(data)):
        with pytest.raises(CodecError) as caught:
            decode(data[:end])
        expected = Reason.BAD_MAGIC if end < 2 else Reason.UNDECODABLE
        assert caught.value.reason is expected, end


def test_trailing_bytes_are_refused() -> None:
    with pytest.raises(CodecError) as caught:
        decode(encode(sample_event()) + b"\x00")
    assert caught.value.reason is Reason.UNDECODABLE


@pytest.mark.parametrize("value", [None, "text", 42])
def test_non_bytes_are_refused(value: object) -> None:
    with pytest.raises(CodecError) as caught:
        decode(value)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.UNDECODABLE


@given(st.binary(max_size=300))
def test_random_bytes_only_ever_raise_codec_error(data: bytes) -> None:
    with pytest.raises(CodecError):
        decode(data)


@given(st.sampled_from([1, 2]), st.binary(max_size=300))
def test_random_bodies_behind_a_valid_header_decode_or_raise_codec_error(
    version: int, body: bytes
) -> None:
    try:
        event = decode(MAGIC + fingerprints()[version] + body)
    except CodecError as error:
        assert isinstance(error.reason, Reason)
    else:
        assert isinstance(event, VaccinationEvent)


def _raw_v2_bytes(**changes: object) -> bytes:
    record = event_to_record(sample_event())
    record.update(changes)
    out = BytesIO()
    out.write(MAGIC + fingerprints()[2])
    schemaless_writer(out, parse_schema(event_schema(2)), record)
    return out.getvalue()


def test_avro_with_an_unknown_sex_is_refused_with_its_reason() -> None:
    with pytest.raises(CodecError) as caught:
        decode(_raw_v2_bytes(sex="F"))
    assert (caught.value.reason, caught.value.field) == (Reason.UNKNOWN_SEX, "sex")


def test_avro_with_an_unknown_site_type_is_refused_with_its_reason() -> None:
    with pytest.raises(CodecError) as caught:
        decode(_raw_v2_bytes(site_type="DRIVE_THROUGH"))
    assert caught.value.reason is Reason.UNKNOWN_SITE_TYPE


def test_encoding_an_ill_typed_event_is_a_codec_error() -> None:
    with pytest.raises(CodecError) as caught:
        encode(sample_event(dose_number="1"))
    assert caught.value.reason is Reason.WRONG_TYPE


def _general_decode(data: bytes) -> VaccinationEvent:
    """`decode` with fastavro alone: the compiled readers switched off for one call."""
    compiled = dict(codec_module._readers())
    codec_module._READERS.update({f: (*r[:3], None) for f, r in compiled.items()})
    try:
        return decode(data)
    finally:
        codec_module._READERS.update(compiled)


_EDGE_BYTES = st.sampled_from([0, 1, 2, 3, 0x7F, 0x80, 0x81, 0xFF])  # varint, boolean, union


@given(
    valid_events(),
    st.sampled_from([1, 2]),
    st.lists(st.tuples(st.integers(-80, 200), _EDGE_BYTES | st.integers(0, 255)), max_size=4),
    st.one_of(st.none(), st.integers(0, 400)),
    st.binary(max_size=3),
)
def test_the_compiled_reader_decodes_exactly_what_fastavro_does(
    event: VaccinationEvent,
    version: int,
    edits: list[tuple[int, int]],
    cut: int | None,
    tail: bytes,
) -> None:
    data = bytearray(encode(event, version=version))
    for position, value in edits:  # a negative position counts from the end
        if (index := position % len(data)) >= 10:
            data[index] = value
    mangled = bytes(data[: max(10, cut)] if cut is not None else data) + tail
    assert _decoded(decode, mangled) == _decoded(_general_decode, mangled)


def _decoded(read: Callable[[bytes], VaccinationEvent], data: bytes) -> VaccinationEvent | Reason:
    """What ``read`` makes of ``data``: the event, or the reason it is refused."""
    try:
        return read(data)
    except CodecError as error:
        return error.reason


@pytest.mark.parametrize("version", [1, 2])
def test_every_single_byte_edit_decodes_as_fastavro_decodes_it(version: int) -> None:
    data = encode(sample_event(supersedes_event_id=None, jcvi_group=4), version=version)
    for index in range(10, len(data)):
        for value in (0, 1, 2, 3, 0x7F, 0x80, 0x81, 0xFF):
            mangled = data[:index] + bytes([value]) + data[index + 1 :]
            expected = _decoded(_general_decode, mangled)
            assert _decoded(decode, mangled) == expected, (index, value)


def _fastavro_encode(event: VaccinationEvent, version: int) -> bytes:
    out = BytesIO()
    out.write(MAGIC + fingerprints()[version])
    schemaless_writer(out, parse_schema(event_schema(version)), event_to_record(event))
    return out.getvalue()


@given(valid_events(), st.sampled_from([1, 2]))
def test_the_compiled_writer_writes_the_bytes_fastavro_writes(
    event: VaccinationEvent, version: int
) -> None:
    assert encode(event, version=version) == _fastavro_encode(event, version)


@pytest.mark.parametrize(
    "changes",
    [
        {"dose_number": True},
        {"dose_number": 2**40},
        {"jcvi_group": "4"},
        {"vaccination_date": "2021-03-01"},
        {"recorded_at": datetime(2021, 3, 1, 10, 15)},
        {"kind": "BOOSTED"},
        {"event_id": "\ud800"},
        {"care_home_resident": 1},
    ],
)
def test_values_the_compiled_writer_refuses_are_written_or_refused_as_fastavro_does(
    changes: dict[str, object],
) -> None:
    event = replace(sample_event(), **changes)  # type: ignore[arg-type]
    try:
        expected: bytes | Reason = _fastavro_encode(event, 2)
    except (TypeError, ValueError, AttributeError, OverflowError):
        expected = Reason.WRONG_TYPE
    try:
        assert encode(event) == expected
    except CodecError as error:
        assert error.reason == expected
