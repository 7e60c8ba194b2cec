"""Preparing a batch: records in, states read only after the batch in flight landed, typed stats."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from services.aggregate.batch import BatchPreparer, BatchStats
from services.aggregate.counting import BatchCounter
from services.aggregate.counting_target import CountingTarget
from services.aggregate.event_state import StoredState
from services.aggregate.generation import GenerationSpec
from services.aggregate.record_intake import RecordIntake
from services.contract.codec import encode
from services.reference.areas import load_areas
from tests.unit.aggregate.aggregate_examples import BREAKDOWNS, full_codec, make_event

STAMP = 1_614_600_000_000  # 1 March 2021, when the records were appended


@dataclass
class Record:
    partition: int
    offset: int
    value: Any
    topic: str = "events"
    timestamp: int = STAMP
    key: Any = None


def _target() -> CountingTarget:
    codec = full_codec()
    spec = GenerationSpec(
        tuple(b.name for b in BREAKDOWNS), 8, codec.ltla_codes, codec.msoa_codes, "now"
    )
    return CountingTarget("3", spec, BatchCounter(breakdowns=BREAKDOWNS, codec=codec))


def test_a_batch_is_counted_from_states_read_after_the_batch_in_flight_landed() -> None:
    calls: list[str] = []

    def read_states(
        generation: str, buckets: int, wanted: Mapping[int, Iterable[str]]
    ) -> dict[int, dict[str, StoredState | None]]:
        calls.append(f"read {generation}/{buckets} { ({s: sorted(i) for s, i in wanted.items()}) }")
        return {shard: dict.fromkeys(ids) for shard, ids in wanted.items()}

    preparer = BatchPreparer(
        intake=RecordIntake(areas=load_areas()), read_states=read_states, live=True
    )
    records = [
        Record(0, 7, encode(make_event("a"))),
        Record(0, 8, b"not avro"),
        Record(2, 4, encode(make_event("b", dose_number=2))),
    ]
    prepared = preparer.prepare(
        records, [(0, 7, 9), (2, None, 5)], _target(), before_reading=lambda: calls.append("settle")
    )
    # One read for the batch, by count shard (here one per partition).
    assert calls == ["settle", "read 3/8 {0: ['a'], 2: ['b']}"]
    first, second = prepared.writes  # one per partition: Redis applies each in its own slot
    assert prepared.landed == {0: 9, 2: 5} and first.count_dead_letters
    assert (first.landed, second.landed) == ({0: 9}, {2: 5})
    assert first.outcome.stats["counted"] == second.outcome.stats["counted"] == 1
    (reason,) = first.stats.dead_lettered
    assert first.stats == BatchStats(
        consumed=2, dead_lettered={reason: 1}, by_publisher={(reason, ""): 1}
    )
    assert second.stats == BatchStats(consumed=1)
    assert [e.event_id for e in prepared.intake.events] == ["a", "b"]
    assert [r.record.offset for r in prepared.refused] == [8]


def test_a_reused_event_id_with_other_content_is_refused_with_its_record_and_publisher() -> None:
    stored = {"a": full_codec().counted(make_event("a"))}
    preparer = BatchPreparer(
        intake=RecordIntake(areas=load_areas()),
        read_states=lambda _g, _b, wanted: {
            s: {i: stored.get(i) for i in ids} for s, ids in wanted.items()
        },
        live=True,
    )
    records = [
        Record(1, 10, encode(make_event("a"))),  # a resend: a duplicate
        Record(1, 11, encode(make_event("a", ltla_code="E08000025", msoa_code=None))),
        Record(1, 12, encode(make_event("b"))),
        Record(1, 13, encode(make_event("b", dose_number=2))),
    ]
    prepared = preparer.prepare(records, [(1, 10, 14)], _target(), before_reading=lambda: None)
    (write,) = prepared.writes
    outcome = write.outcome
    assert outcome.stats["duplicates"] == 1 and outcome.stats["counted"] == 1
    assert [(r.record.offset, r.event_id, r.publisher) for r in prepared.refused] == [
        (11, "a", "EMIS Web"),
        (13, "b", "EMIS Web"),
    ]
    assert {r.error.reason.value for r in prepared.refused} == {"conflicting_duplicate"}
    assert write.stats.by_publisher == {("conflicting_duplicate", "EMIS Web"): 2}


def test_batch_stats_are_named_as_the_generation_stats_hash_stores_them() -> None:
    stats = BatchStats(consumed=10, dead_lettered={"bad_format": 2, "unknown_area": 1})
    assert stats.refused == 3
    assert stats.counters() == {
        "consumed": 10,
        "dead_lettered": 3,
        "dead_lettered:bad_format": 2,
        "dead_lettered:unknown_area": 1,
    }


def test_a_rebuild_does_not_add_to_the_dead_letter_counts() -> None:
    preparer = BatchPreparer(
        intake=RecordIntake(areas=load_areas()),
        read_states=lambda g, b, wanted: {s: dict.fromkeys(i) for s, i in wanted.items()},
        live=False,
    )
    prepared = preparer.prepare(
        [Record(0, 0, b"x")], [(0, None, 1)], _target(), before_reading=lambda: None
    )
    (write,) = prepared.writes
    assert not write.count_dead_letters and write.stats.refused == 1
