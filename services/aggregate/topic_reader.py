"""The events topic as the aggregator reads it, by partition number.

Group membership (or, for a rebuild, every partition without a group), polling, seeking and
where each partition ends: the Kafka consumer's side of the loop, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener

from services.aggregate.record_intake import LogRecord

Rebalanced = Callable[[list[int]], None]


class TopicReader:
    """One consumer of one topic."""

    def __init__(self, consumer: KafkaConsumer, *, topic: str) -> None:
        self.consumer = consumer
        self.topic = topic

    def subscribe(self, *, revoked: Rebalanced, assigned: Rebalanced) -> None:
        """Join the consumer group; the callbacks run inside `poll` on every rebalance."""
        self.consumer.subscribe(topics=[self.topic], listener=_Listener(revoked, assigned))

    def assign_all(self) -> None:
        """Read every partition of the topic without a group (rebuilds)."""
        partitions = self.consumer.partitions_for_topic(self.topic) or set()
        self.consumer.assign([self._tp(p) for p in sorted(partitions)])

    def assigned(self) -> list[int]:
        """The partitions this consumer reads now."""
        return [tp.partition for tp in self.consumer.assignment()]

    def poll(self, *, timeout_ms: int, max_records: int) -> dict[int, list[LogRecord]]:
        """The records fetched, per partition, in log order."""
        polled = self.consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        return {tp.partition: records for tp, records in polled.items()}

    def seek(self, partition: int, offset: int | None) -> None:
        """Read a partition next from ``offset`` (None: from its beginning)."""
        if offset is None:
            self.consumer.seek_to_beginning(self._tp(partition))
        else:
            self.consumer.seek(self._tp(partition), offset)

    def end_offsets(self) -> dict[int, int]:
        """The end offset of every partition this consumer reads."""
        tps: list[TopicPartition] = list(self.consumer.assignment())
        return {tp.partition: int(o) for tp, o in self.consumer.end_offsets(tps).items()}

    def highwaters(self) -> dict[int, int | None]:
        """The last known end of every partition this consumer reads (None: not fetched yet)."""
        return {tp.partition: self.consumer.highwater(tp) for tp in self.consumer.assignment()}

    def _tp(self, partition: int) -> TopicPartition:
        return TopicPartition(self.topic, partition)


class _Listener(ConsumerRebalanceListener):
    """Hands rebalances to the loop by partition number."""

    def __init__(self, revoked: Rebalanced, assigned: Rebalanced) -> None:
        self._revoked, self._assigned = revoked, assigned

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        self._revoked([tp.partition for tp in revoked])

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        self._assigned([tp.partition for tp in assigned])
