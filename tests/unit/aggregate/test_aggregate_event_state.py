"""Stored event states decode to exactly the cells they were counted in."""

from __future__ import annotations

from hypothesis import given

from services.aggregate.event_state import (
    PENDING,
    SUPERSEDED,
    VOID,
    StateCodec,
    is_counted,
    parse,
)
from tests.unit.aggregate.aggregate_examples import cohort_changes, full_codec, make_event

CODEC = full_codec()
EMPTY = StateCodec(ltla_codes=(), msoa_codes=())


def _cohort(event):  # the attributes a breakdown reads
    return (
        event.ltla_code,
        event.vaccination_date,
        event.dose_number,
        event.age_years,
        str(event.sex),
        event.ethnic_category,
        event.jcvi_group,
        event.imd_decile,
        event.msoa_code,
    )


@given(changes=cohort_changes())
def test_packed_state_round_trips_through_redis_text(changes: dict) -> None:
    event = make_event("e1", **changes)
    for codec in (CODEC, EMPTY):
        value = codec.pack(event)
        stored = parse(str(value).encode())
        assert is_counted(stored)
        assert tuple(codec.unpack(stored)) == _cohort(event)


@given(changes=cohort_changes())
def test_known_codes_pack_into_one_redis_integer(changes: dict) -> None:
    value = CODEC.pack(make_event("e1", **changes))
    assert isinstance(value, int)
    assert 3 <= value < 2**63


def test_statuses_are_not_counted() -> None:
    for status in (SUPERSEDED, VOID, PENDING):
        assert not is_counted(parse(str(status).encode()))
    assert parse(None) is None
