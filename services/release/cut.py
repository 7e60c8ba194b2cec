"""Cut a release at a point in the log and freeze the exact counts there.

The cut is the end offset of every partition of the events topic when the release is
requested. The builder raises a barrier (partition -> offset) that the
aggregators respect: they count up to the barrier and no further. Once Redis's stored offsets
equal the cut for every partition, the exact counts are exactly "everything in the log before
the cut"; they are read, and the barrier is dropped so counting goes on.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast

import redis
from kafka import KafkaConsumer, TopicPartition

from services.platform.dead_letters import dead_letter_counts
from services.platform.kafka_auth import KafkaAuth
from services.platform.redis_keys import RedisKeys
from services.release.counts_reader import CountsReader

CellKey = tuple[str, int, str]
"""(LTLA code, dose, breakdown name)."""


@dataclass(slots=True)
class Snapshot:
    """Exact counts frozen at a cut, and how the cut went."""

    cut: dict[int, int]
    reached: dict[int, int]
    consumed_to_cut: bool
    cells: dict[CellKey, dict[tuple[date, str], int]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    dead_letters: dict[tuple[str, str], int] = field(default_factory=dict)  # (stage, reason)


def end_offsets(bootstrap: str, topic: str, auth: KafkaAuth) -> dict[int, int]:
    """The end (next) offset of every partition of a topic (needs DESCRIBE on it only)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, **auth.kafka_python()
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        return {tp.partition: int(off) for tp, off in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()


def take_snapshot(
    client: redis.Redis,
    *,
    prefix: str,
    cut: dict[int, int],
    ltlas: Sequence[str],
    breakdowns: Sequence[str],
    doses: Sequence[int] = (1, 2, 3),
    wait_seconds: float = 60.0,
) -> Snapshot:
    """Hold the aggregators at the cut, wait until they reach it, read every exact cell."""
    reader = CountsReader(client, prefix=prefix)
    raise_barrier(client, prefix=prefix, cut=cut)
    try:
        deadline = time.monotonic() + wait_seconds
        reached = reader.offsets()
        while not _at_cut(reached, cut) and time.monotonic() < deadline:
            time.sleep(0.2)
            reached = reader.offsets()
        snapshot = Snapshot(cut=cut, reached=reached, consumed_to_cut=_at_cut(reached, cut))
        keys = [(ltla, dose, b) for ltla in ltlas for dose in doses for b in breakdowns]
        generation = reader.generation()  # the barrier holds switches off while it is up
        for start in range(0, len(keys), 300):
            snapshot.cells.update(reader.tables(keys[start : start + 300], generation=generation))
        snapshot.stats = reader.stats()
        snapshot.dead_letters = dead_letter_counts(client, prefix=prefix)
    finally:
        lift_barrier(client, prefix=prefix)
    return snapshot


def raise_barrier(client: redis.Redis, *, prefix: str, cut: dict[int, int]) -> None:
    """Hold the aggregators at a cut: each count shard's copy (which its batches check, in its
    own hash slot) first, then the barrier itself (which holds rebuild switches off)."""
    keys = RedisKeys(prefix)
    mapping = {str(p): o for p, o in cut.items()}
    pipe = client.pipeline(transaction=False)
    for shard in _shards(client, keys, cut):
        pipe.hset(keys.shard_barrier(shard), mapping=mapping)  # type: ignore[arg-type]
    pipe.hset(keys.barrier, mapping=mapping)  # type: ignore[arg-type]
    pipe.execute()


def lift_barrier(client: redis.Redis, *, prefix: str) -> None:
    """Let the aggregators count on past a cut (after a snapshot, or a builder that died)."""
    keys = RedisKeys(prefix)
    raw = cast("dict[bytes, bytes]", client.hgetall(keys.barrier))
    copies = [keys.shard_barrier(k) for k in _shards(client, keys, {int(p): 0 for p in raw})]
    if copies:  # the copies first: the barrier itself is what a retry reads them from
        client.delete(*copies)  # a cluster client deletes them slot by slot
    client.delete(keys.barrier)


def _shards(client: redis.Redis, keys: RedisKeys, cut: dict[int, int]) -> list[int]:
    """Every shard counted into, and every one the cut's partitions may count into (a shard is
    a partition number modulo the partition count, so below it)."""
    counted = cast("set[bytes]", client.smembers(keys.shards))
    return sorted({*cut, *(int(k) for k in counted)})


def _at_cut(reached: dict[int, int], cut: dict[int, int]) -> bool:
    return all(reached.get(p, 0) >= offset for p, offset in cut.items() if offset > 0)
