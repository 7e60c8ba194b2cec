"""Dead letters to the dead-letter topic, and their counts by stage and reason in Redis.

Every stage writes its dead letters through `dead_letter_record`, which removes every NHS
number from the letter (`services.contract.redaction`) before it becomes a record's key, value
and headers. Operators read the dead-letter counts (by stage and reason, `redis_keys`) to see
what is being refused without consuming the topic. Counts are bumped only after Kafka
acknowledged the letters, so they never count a letter that was not stored (a resend may count
twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import cast

import redis

from services.contract.dead_letter import DeadLetter, encode_dead_letter
from services.contract.redaction import publisher_label, redact_dead_letter
from services.platform.kafka_producer import AckedProducer, OutgoingRecord
from services.platform.redis_keys import (
    RedisKeys,
    dead_letter_field,
    dead_letter_publisher_field,
    parse_dead_letter_field,
    parse_dead_letter_publisher_field,
)


def dead_letter_counts(client: redis.Redis, *, prefix: str) -> dict[tuple[str, str], int]:
    """Dead letters so far by (stage, reason), every stage."""
    keys = RedisKeys(prefix)
    return {
        parse_dead_letter_field(field): n
        for field, n in _summed(
            client, keys.dead_letter_counts, keys.shard_dead_letter_counts, keys.shards
        ).items()
    }


def dead_letter_counts_by_publisher(
    client: redis.Redis, *, prefix: str
) -> dict[tuple[str, str, str], int]:
    """Dead letters so far by (stage, reason, publisher), every stage; publisher "" when the
    record could not be decoded."""
    keys = RedisKeys(prefix)
    return {
        parse_dead_letter_publisher_field(field): n
        for field, n in _summed(
            client,
            keys.dead_letter_publishers,
            keys.shard_dead_letter_publishers,
            keys.shards,
        ).items()
    }


def _summed(
    client: redis.Redis, shared: str, of_shard: Callable[[int], str], shards: str
) -> dict[bytes, int]:
    """A counts hash summed with the aggregator's own, one per count shard."""
    members = cast("set[bytes]", client.smembers(shards))
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(shared)
    for shard in sorted(int(k) for k in members):
        pipe.hgetall(of_shard(shard))
    summed: Counter[bytes] = Counter()
    for raw in cast("list[dict[bytes, bytes]]", pipe.execute()):
        for field, n in raw.items():
            summed[field] += int(n)
    return dict(summed)


def dead_letter_record(letter: DeadLetter, *, topic: str) -> OutgoingRecord:
    """The Kafka record of a dead letter (redacted), keyed by its event id when it has one."""
    letter = redact_dead_letter(letter)
    return OutgoingRecord(
        topic=topic,
        key=letter.event_id.encode() if letter.event_id else None,
        value=encode_dead_letter(letter),
        headers=(("reason", letter.reason.encode()), ("stage", letter.stage.value.encode())),
    )


class DeadLetterPublisher:
    """Writes dead letters to Kafka (acknowledged) and counts them in Redis."""

    def __init__(
        self, *, producer: AckedProducer, client: redis.Redis, topic: str, prefix: str
    ) -> None:
        self._producer = producer
        self._redis = client
        self.topic = topic
        self._prefix = prefix
        self._counts = RedisKeys(prefix).dead_letter_counts
        self._by_publisher = RedisKeys(prefix).dead_letter_publishers

    def records(self, letters: Sequence[DeadLetter]) -> list[OutgoingRecord]:
        """Kafka records for letters, for callers that send them with other records."""
        return [dead_letter_record(letter, topic=self.topic) for letter in letters]

    def count(self, letters: Sequence[DeadLetter]) -> None:
        """Add acknowledged letters to the counts by stage and reason, and by publisher too
        (one round trip)."""
        tally = Counter(dead_letter_field(letter.stage.value, letter.reason) for letter in letters)
        if not tally:
            return
        publishers = Counter(
            dead_letter_publisher_field(
                letter.stage.value, letter.reason, publisher_label(letter.publisher)
            )
            for letter in letters
        )
        pipe = self._redis.pipeline(transaction=False)
        for field, n in tally.items():
            pipe.hincrby(self._counts, field, n)
        for field, n in publishers.items():
            pipe.hincrby(self._by_publisher, field, n)
        pipe.execute()

    def publish(self, letters: Sequence[DeadLetter]) -> None:
        """Send letters, wait for Kafka's acknowledgement, then count them."""
        self._producer.send_all(self.records(letters))
        self.count(letters)

    def counts(self) -> dict[tuple[str, str], int]:
        """Current counts, (stage, reason) -> number of dead letters."""
        return dead_letter_counts(self._redis, prefix=self._prefix)
