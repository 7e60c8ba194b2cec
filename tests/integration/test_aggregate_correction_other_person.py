"""A correction sent under another person's key is matched to its original all the same.

A person's events are keyed by person key, so a correction recorded under another person (or
any correction after the pseudonymisation key is rotated) lands in another partition than
its original. On one Redis node every partition counts into one shard, so the original is
found and superseded there: the correction replaces it instead of counting beside it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kafka.partitioner import murmur2

from devtools.simulator.config import SimulatedRecord
from services.contract.events import EventKind
from services.release.counts_reader import CountsReader
from tests.conftest import Stack, Topics
from tests.integration.aggregate_harness import (
    Aggregators,
    differences,
    publish,
    redis_counts,
    simulation,
    wait_until_counted,
)

pytestmark = pytest.mark.slow
MOVED = 60


def _partition(person_key: str, partitions: int) -> int:
    """The partition a key lands in (murmur2, the Java client's and the ingest's)."""
    return (murmur2(person_key.encode()) & 0x7FFFFFFF) % partitions


def _moved_corrections(records: list[SimulatedRecord], partitions: int) -> list[SimulatedRecord]:
    """Corrections that change no cell of their original but name another person, one whose
    key lands in another partition."""
    superseded = {r.event.supersedes_event_id for r in records if r.event.supersedes_event_id}
    originals = [
        r
        for r in records
        if r.valid and r.event.kind is EventKind.ADMINISTERED and r.event.event_id not in superseded
    ]
    keys = sorted({r.event.person_key for r in originals})
    moved = []
    for record in originals[:: max(1, len(originals) // MOVED)][:MOVED]:
        own = _partition(record.event.person_key, partitions)
        other = next(k for k in keys if _partition(k, partitions) != own)
        event = replace(
            record.event,
            event_id=f"{record.event.event_id}-moved",
            kind=EventKind.CORRECTED,
            supersedes_event_id=record.event.event_id,
            person_key=other,
        )
        moved.append(replace(record, event=event))
    return moved


def _waiting_in_feed(records: list[SimulatedRecord]) -> int:
    """Events the feed supersedes but never delivers (their supersessions wait for ever)."""
    valid = [r.event for r in records if r.valid]
    return len(
        {e.supersedes_event_id for e in valid if e.supersedes_event_id}
        - {e.event_id for e in valid}
    )


def _counted(
    stack: Stack, topics: Topics, prefix: str, logs: Path, **env: str
) -> tuple[dict[Any, int], int, int]:
    """The feed with the moved corrections (some before their originals, the rest after)
    counted by two aggregators: the counts, how many supersessions wait for an original, and
    how many the feed itself leaves waiting."""
    simulator = simulation(0.02, ("E09000013",))
    records = simulator.records()
    corrections = _moved_corrections(records, topics.partitions)
    assert len(corrections) == MOVED
    half = len(records) // 2
    publish(stack, topics.events, [*records[:half], *corrections, *records[half:]])
    reader = CountsReader(stack.redis_client(), prefix=prefix)
    aggregators = Aggregators(
        stack, topics, prefix, logs, VAXSHARE_AGGREGATE_BATCH_SIZE="500", **env
    )
    try:
        aggregators.start()
        aggregators.start()
        wait_until_counted(stack, topics.events, reader)
    finally:
        aggregators.kill_all()
    stats = reader.stats()
    waiting = int(stats.get("parked", 0)) - int(stats.get("unparked", 0))
    return redis_counts(reader), waiting, _waiting_in_feed(records)


def test_a_correction_under_another_person_replaces_its_original(
    stack: Stack, topics: Topics, prefix: str, tmp_path: Path
) -> None:
    counts, waiting, in_feed = _counted(stack, topics, prefix, tmp_path)
    # Each correction takes its original's place: the counts are the feed's, none twice.
    want = dict(simulation(0.02, ("E09000013",)).expected_counts().counts)
    assert not differences(counts, want)
    assert waiting == in_feed


def test_sharded_counting_reports_the_corrections_it_cannot_match(
    stack: Stack, topics: Topics, prefix: str, tmp_path: Path
) -> None:
    """Counted in one shard per partition (as on a cluster), a correction under another person
    does not find its original; the count of supersessions waiting for one says so."""
    _, waiting, in_feed = _counted(
        stack, topics, prefix, tmp_path, VAXSHARE_AGGREGATE_COUNT_SHARDS=str(topics.partitions)
    )
    assert waiting == in_feed + MOVED
