"""A generation's count shards: a person's events stay in one shard when partitions are added."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner.default import murmur2

from services.aggregate.generation import GenerationSpec


def _spec(shards: int) -> GenerationSpec:
    return GenerationSpec(("none",), 8, ("E09000013",), (), "now", shards=shards)


def _partition(person_key: bytes, partitions: int) -> int:
    """The partition Kafka's default (murmur2) partitioner gives a keyed record."""
    return (murmur2(person_key) & 0x7FFFFFFF) % partitions


@given(st.binary(min_size=1, max_size=40), st.sampled_from([1, 2, 3, 4]))
def test_a_person_keeps_their_shard_when_partitions_are_added_in_multiples(
    person_key: bytes, times: int
) -> None:
    spec = _spec(12)
    before = spec.shard_of(_partition(person_key, 12))
    after = spec.shard_of(_partition(person_key, 12 * times))
    assert before == after  # a correction sent after the change finds its original's state


def test_a_spec_stored_before_shards_has_one_shard_per_partition() -> None:
    spec = GenerationSpec.from_json(_spec(12).to_json().replace('"shards": 12', '"shards": 0'))
    assert [spec.shard_of(p) for p in (0, 5, 17)] == [0, 5, 17]
    assert GenerationSpec.from_json(_spec(12).to_json()).shard_of(17) == 5
