"""Avro container files of events: round trips, old versions, and damaged files."""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO

from fastavro import parse_schema, writer
from hypothesis import given
from hypothesis import strategies as st

from services.contract.codec import event_to_record
from services.contract.container import read_container, write_container
from services.contract.errors import CodecError
from services.contract.events import VaccinationEvent
from services.contract.reasons import Reason
from services.contract.schema_files import event_schema
from tests.unit.contract.contract_examples import sample_event, valid_events


@given(st.lists(valid_events(), max_size=20))
def test_container_files_round_trip(events: list[VaccinationEvent]) -> None:
    buffer = BytesIO()
    write_container(events, buffer)
    buffer.seek(0)
    assert list(read_container(buffer)) == events


def test_v1_container_files_are_read_with_the_default() -> None:
    event = sample_event()
    record = event_to_record(event)
    buffer = BytesIO()
    writer(buffer, parse_schema(event_schema(1)), [record])
    buffer.seek(0)
    assert list(read_container(buffer)) == [replace(event, vaccination_site_ods_code=None)]


def test_container_keeps_reading_past_an_invalid_record() -> None:
    good = event_to_record(sample_event())
    bad = {**good, "sex": "F"}
    buffer = BytesIO()
    writer(buffer, parse_schema(event_schema(2)), [good, bad, good])
    buffer.seek(0)
    results = list(read_container(buffer))
    assert results[0] == results[2] == sample_event()
    assert isinstance(results[1], CodecError)
    assert results[1].reason is Reason.UNKNOWN_SEX


def test_container_of_garbage_yields_one_error_and_stops() -> None:
    results = list(read_container(BytesIO(b"Obj\x01 not really avro")))
    assert len(results) == 1
    assert isinstance(results[0], CodecError)
    assert results[0].reason is Reason.UNDECODABLE


def test_truncated_container_yields_the_good_records_then_an_error() -> None:
    buffer = BytesIO()
    write_container([sample_event(event_id=f"e{i}") for i in range(3)], buffer, codec="null")
    results = list(read_container(BytesIO(buffer.getvalue()[:-30])))
    assert isinstance(results[-1], CodecError)
    assert all(isinstance(r, VaccinationEvent) for r in results[:-1])
