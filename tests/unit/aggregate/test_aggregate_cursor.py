"""The cursor: which polled records the aggregator counts, and where it seeks, per partition."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from services.aggregate.cursor import Cursors


@dataclass(frozen=True)
class Rec:
    offset: int


def recs(first: int, last: int) -> list[Rec]:
    return [Rec(o) for o in range(first, last + 1)]


def _owning(**stored: int | None) -> Cursors:
    cursors = Cursors()
    cursors.reset(
        {int(p[1:]): o for p, o in stored.items() if o is not None},
        [int(p[1:]) for p in stored],
        all_owned=True,
    )
    return cursors


def test_records_below_redis_offset_are_never_counted_again() -> None:
    plan = _owning(p0=5).plan({0: recs(3, 8)}, {})
    assert [r.offset for r in plan.records] == [5, 6, 7, 8]
    assert plan.moves == [(0, 5, 9)] and not plan.seeks


def test_a_partition_never_counted_starts_from_nothing() -> None:
    plan = _owning(p0=None).plan({0: recs(0, 2)}, {})
    assert plan.moves == [(0, None, 3)]


def test_the_next_batch_starts_where_the_batch_in_flight_will_leave_redis() -> None:
    cursors = _owning(p0=5)
    cursors.submitted({0: 9})
    plan = cursors.plan({0: recs(7, 12)}, {})
    assert plan.moves == [(0, 9, 13)] and [r.offset for r in plan.records] == [9, 10, 11, 12]
    cursors.landed({0: 13})
    assert cursors.stored == {0: 13}


def test_a_barrier_stops_counting_and_seeks_back_to_it_logging_only_the_first_time() -> None:
    cursors = _owning(p0=5)
    first = cursors.plan({0: recs(5, 12)}, {0: 8})
    assert [r.offset for r in first.records] == [5, 6, 7] and first.moves == [(0, 5, 8)]
    assert first.seeks == {0: 8} and first.newly_held == [0] and cursors.holding
    cursors.submitted({0: 8})
    again = cursors.plan({0: recs(8, 12)}, {0: 8})
    assert again.moves == [] and again.seeks == {0: 8} and again.newly_held == []
    lifted = cursors.plan({0: recs(8, 9)}, {})
    assert lifted.moves == [(0, 8, 10)] and not cursors.holding


def test_records_of_a_partition_never_sought_call_for_a_resync_and_are_not_counted() -> None:
    plan = _owning(p0=0).plan({0: recs(0, 1), 3: recs(0, 1)}, {})
    assert plan.foreign and plan.moves == [(0, 0, 2)]


def test_a_reset_takes_redis_offsets_forgets_the_batch_in_flight_and_other_partitions() -> None:
    cursors = _owning(p0=1, p1=2, p2=3)
    cursors.submitted({0: 10})
    seeks = cursors.reset({0: 4, 1: 2}, [0, 1], all_owned=True)
    assert seeks == {0: 4, 1: 2} and cursors.stored == {0: 4, 1: 2}
    assert cursors.plan({0: recs(4, 5)}, {}).moves == [(0, 4, 6)]
    cursors.revoke([1])
    assert cursors.stored == {0: 4}


def test_caught_up_once_redis_holds_every_end_offset() -> None:
    cursors = _owning(p0=10, p1=None)
    assert not cursors.caught_up({}) and not cursors.caught_up({0: 10, 1: 1, 2: 0})
    assert not cursors.caught_up({0: 10, 1: 1})
    assert cursors.caught_up({0: 10, 1: 0})


@given(
    stored=st.integers(0, 30),
    first=st.integers(0, 30),
    count=st.integers(0, 30),
    barrier=st.none() | st.integers(0, 70),
)
def test_exactly_the_records_from_redis_offset_to_the_barrier_are_counted(
    stored: int, first: int, count: int, barrier: int | None
) -> None:
    polled = recs(first, first + count - 1)
    plan = _owning(p0=stored).plan({0: polled}, {} if barrier is None else {0: barrier})
    expected = [r for r in polled if r.offset >= stored and (barrier is None or r.offset < barrier)]
    assert plan.records == expected
    after = [r for r in polled if r.offset >= stored]
    end = after[-1].offset + 1 if after else None
    if end is not None and barrier is not None and end > barrier:
        end = barrier
    assert plan.moves == ([(0, stored, end)] if end is not None and end > stored else [])
    assert plan.seeks == (
        {0: barrier} if barrier is not None and after and barrier < after[-1].offset + 1 else {}
    )
