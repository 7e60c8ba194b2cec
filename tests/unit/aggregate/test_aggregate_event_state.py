"""Stored event states decode to exactly the cells they were counted in, and keep enough of
every arrived event's content to tell a duplicate from a reused id."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from services.aggregate.event_state import (
    LEGACY_SUPERSEDED,
    LEGACY_VOID,
    PENDING,
    StateCodec,
    StoredState,
    is_counted,
    parse,
)
from services.contract.counted_content import counted_content
from services.contract.events import EventKind
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
    for status in (LEGACY_SUPERSEDED, LEGACY_VOID, PENDING, -12345):
        assert not is_counted(parse(str(status).encode()))
    assert parse(None) is None


def _kinds(draw: st.DrawFn, event_id: str) -> dict[str, object]:
    kind = draw(st.sampled_from(list(EventKind)))
    target = None if kind is EventKind.ADMINISTERED else draw(st.sampled_from(["a0", "a9"]))
    return {"event_id": event_id, "kind": kind, "supersedes_event_id": target}


@st.composite
def event_pairs(draw: st.DrawFn) -> tuple:
    """An event and another copy of its id: the same content, or any other."""
    first = make_event(**_kinds(draw, "e1"), **draw(cohort_changes()))
    if draw(st.booleans()):
        second = replace(first, recorded_at=first.recorded_at.replace(hour=23), site_type="OTHER")
    else:
        second = make_event(**_kinds(draw, "e1"), **draw(cohort_changes()))
    return first, second


def _stored_states(codec: StateCodec, event) -> list[StoredState]:
    """Every value an arrived event can be stored as: counted, then superseded, or never."""
    counted = codec.counted(event)
    return [counted, codec.retired(counted), codec.arrived(event)]


@given(pair=event_pairs())
def test_a_copy_has_the_same_content_exactly_when_it_would_count_the_same(pair: tuple) -> None:
    first, second = pair
    same = counted_content(first) == counted_content(second)
    for codec in (CODEC, EMPTY):
        for value in _stored_states(codec, first):
            stored = parse(str(value).encode())
            assert codec.same_content(second, stored) is same, (value, first, second)


@given(changes=cohort_changes())
def test_a_counted_correction_keeps_its_cells_and_a_superseded_event_its_digest(
    changes: dict,
) -> None:
    correction = make_event("c1", kind=EventKind.CORRECTED, supersedes_event_id="a1", **changes)
    for codec in (CODEC, EMPTY):
        value = parse(str(codec.counted(correction)).encode())
        assert is_counted(value)
        assert codec.unpack(value) == codec.unpack(codec.pack(correction))
        retired = codec.retired(value)
        assert -(2**31) < retired < 0  # a 32-bit listpack integer


def test_states_written_before_digests_take_any_copy_as_a_duplicate() -> None:
    event = make_event("a1")
    for status in (LEGACY_SUPERSEDED, LEGACY_VOID):
        assert CODEC.same_content(replace(event, age_years=30), status)
