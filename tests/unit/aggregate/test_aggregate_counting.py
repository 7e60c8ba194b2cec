"""Counting gives exactly the ground truth whatever the order, duplication and batching."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.aggregate.counting import BatchCounter, ids_to_read
from services.aggregate.event_state import StateCodec
from services.contract.events import EventKind
from tests.unit.aggregate.aggregate_examples import (
    BREAKDOWNS,
    Feed,
    MemoryStore,
    cells_of,
    feeds,
    full_codec,
    make_event,
)

CODECS = {
    "packed": full_codec(),
    # An empty dictionary forces the spelled-out encoding for every event.
    "spelled-out": StateCodec(ltla_codes=(), msoa_codes=()),
}


def _store(codec: str = "packed") -> MemoryStore:
    return MemoryStore(BatchCounter(breakdowns=BREAKDOWNS, codec=CODECS[codec]))


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[Feed, list[list]]:
    """A feed delivered in any order, with duplicates, cut into batches of any size."""
    feed = draw(feeds())
    records = list(feed.events)
    records += draw(st.lists(st.sampled_from(records), max_size=len(records)))
    order = draw(st.permutations(records))
    batches, i = [], 0
    while i < len(order):
        size = draw(st.integers(1, 8))
        batches.append(list(order[i : i + size]))
        i += size
    return feed, batches


@pytest.mark.parametrize("codec", sorted(CODECS))
@settings(max_examples=150, deadline=None)
@given(delivery=deliveries())
def test_any_order_duplication_and_batching_gives_the_ground_truth(
    codec: str, delivery: tuple[Feed, list[list]]
) -> None:
    feed, batches = delivery
    store = _store(codec)
    for batch in batches:
        store.run(batch)  # asserts no cell ever goes negative
    assert store.counts == cells_of(feed.truth)
    assert store.stats["net_counted"] == len(feed.truth)


def test_a_retraction_before_its_original_means_the_original_never_counts() -> None:
    original = make_event("a1")
    retraction = replace(
        original, event_id="x1", kind=EventKind.ENTERED_IN_ERROR, supersedes_event_id="a1"
    )
    store = _store()
    store.run([retraction])
    assert store.stats["parked"] == 1
    assert not store.counts
    store.run([original])
    store.run([original])
    assert not store.counts
    assert store.stats["unparked"] == 1
    assert store.stats["duplicates"] == 1


def test_a_correction_replaces_the_cells_of_what_it_corrects() -> None:
    wrong = make_event("a1", age_years=44)
    right = make_event("c1", age_years=47, kind=EventKind.CORRECTED, supersedes_event_id="a1")
    store = _store()
    store.run([wrong])
    store.run([right, wrong])  # the resubmitted wrong one is a duplicate
    assert store.counts == cells_of([right])
    assert store.stats["corrected"] == 1


def test_a_second_correction_of_the_same_event_does_not_double_count() -> None:
    original = make_event("a1")
    first = make_event("c1", kind=EventKind.CORRECTED, supersedes_event_id="a1", age_years=70)
    second = make_event("c2", kind=EventKind.CORRECTED, supersedes_event_id="a1", age_years=71)
    store = _store()
    store.run([original, first, second])
    assert store.counts == cells_of([first])
    assert store.stats["conflicts"] == 1


def test_a_retraction_of_a_retracted_event_does_nothing() -> None:
    original = make_event("a1")
    retract = replace(
        original, event_id="x1", kind=EventKind.ENTERED_IN_ERROR, supersedes_event_id="a1"
    )
    again = replace(retract, event_id="x2")
    store = _store()
    store.run([original, retract, again, original])
    assert not store.counts
    assert store.stats["retracted"] == 1
    assert store.stats["conflicts"] == 1


def test_only_changed_states_are_written() -> None:
    store = _store()
    store.run([make_event("a1")])
    outcome = store.counter.count([make_event("a1")], {"a1": store.states["a1"]})
    assert outcome.writes == {}
    assert outcome.increments == {}


_CHANGES = {
    "dose": lambda e: replace(e, dose_number=e.dose_number % 10 + 1),
    "age": lambda e: replace(e, age_years=(e.age_years + 1) % 121),
    "area": lambda e: replace(
        e, ltla_code="E08000025" if e.ltla_code != "E08000025" else "E09000013", msoa_code=None
    ),
    "date": lambda e: (
        replace(e, vaccination_date=e.vaccination_date.replace(day=1))
        if e.vaccination_date.day != 1
        else replace(e, vaccination_date=e.vaccination_date.replace(day=2))
    ),
    "kind": lambda e: (
        replace(e, kind=EventKind.ENTERED_IN_ERROR, supersedes_event_id="zz")
        if e.kind is not EventKind.ENTERED_IN_ERROR
        else replace(e, kind=EventKind.CORRECTED)
    ),
}


@pytest.mark.parametrize("codec", sorted(CODECS))
@settings(max_examples=100, deadline=None)
@given(delivery=deliveries(), data=st.data())
def test_reused_event_ids_with_other_content_are_refused_and_change_no_count(
    codec: str, delivery: tuple[Feed, list[list]], data: st.DataObject
) -> None:
    feed, batches = delivery
    store = _store(codec)
    for batch in batches:
        store.run(batch)
    originals = data.draw(st.lists(st.sampled_from(feed.events), min_size=1, max_size=6))
    changes = data.draw(st.lists(st.sampled_from(sorted(_CHANGES)), min_size=len(originals)))
    copies = [_CHANGES[c](e) for e, c in zip(originals, changes, strict=False)]
    conflicts = []
    for start in range(0, len(copies), 3):
        batch = copies[start : start + 3] + originals[start : start + 3]  # and plain resends
        outcome = store.counter.count(batch, {i: store.states.get(i) for i in ids_to_read(batch)})
        conflicts += [batch[i] for i in outcome.conflicts]
        store.run(batch)
    assert store.counts == cells_of(feed.truth)
    assert conflicts == copies
    assert store.stats["conflicting_duplicates"] == len(copies)


def test_three_copies_in_one_batch_the_third_different_is_a_conflict() -> None:
    first = make_event("a1")
    store = _store()
    outcome = store.counter.count([first, first, replace(first, age_years=30)], {"a1": None})
    assert outcome.conflicts == [2]
    assert outcome.stats["duplicates"] == 1 and outcome.stats["conflicting_duplicates"] == 1
    store.run([first, first, replace(first, age_years=30)])
    assert store.counts == cells_of([first])


def test_a_copy_of_a_corrected_event_is_still_compared_with_what_it_counted() -> None:
    original = make_event("a1", age_years=44)
    correction = make_event("c1", kind=EventKind.CORRECTED, supersedes_event_id="a1")
    store = _store()
    store.run([original, correction])
    store.run([original, replace(original, age_years=45), correction])
    store.run([replace(correction, supersedes_event_id="a2")])
    assert store.stats["duplicates"] == 2
    assert store.stats["conflicting_duplicates"] == 2
    assert store.counts == cells_of([correction])
