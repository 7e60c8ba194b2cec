"""Send refused records to the dead-letter topic, acknowledged by every in-sync replica.

Letters are framed and keyed as every stage frames them (`platform.dead_letters`) and sent,
and acknowledged, before the batch they belong to is applied in Redis, so none is ever lost;
after a crash between the two the batch is redone and its letters are sent again (each names
its topic, partition and offset, so copies are easy to spot). Their count in the dead-letter
counts is not bumped here but by the batch's own atomic Redis step, so it is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from services.aggregate.errors import DeadLetterError
from services.aggregate.record_intake import Refused
from services.contract.dead_letter import DeadLetter, Stage
from services.platform.dead_letters import dead_letter_record
from services.platform.errors import KafkaUnavailable
from services.platform.kafka_producer import AckedProducer


def dead_letter(refused: Refused, *, failed_at: datetime) -> DeadLetter:
    """The dead letter of a refused record, naming where in the log it sits."""
    value = refused.record.value
    return DeadLetter.from_error(
        refused.error,
        original=bytes(value) if isinstance(value, bytes | bytearray | memoryview) else b"",
        stage=Stage.AGGREGATE,
        failed_at=failed_at,
        event_id=refused.event_id,
        publisher=refused.publisher,
        topic=refused.record.topic,
        partition=refused.record.partition,
        offset=refused.record.offset,
    )


class DeadLetterSender:
    """Sends a batch's dead letters and waits for Kafka's acknowledgement."""

    def __init__(self, *, producer: AckedProducer, topic: str) -> None:
        self._producer = producer
        self.topic = topic

    def send(self, refused: Sequence[Refused]) -> None:
        """Send and wait for every acknowledgement; DeadLetterError otherwise."""
        if not refused:
            return
        now = datetime.now(UTC)
        records = [
            dead_letter_record(dead_letter(r, failed_at=now), topic=self.topic) for r in refused
        ]
        try:
            self._producer.send_all(records)
        except KafkaUnavailable as exc:
            raise DeadLetterError(str(exc)) from exc

    def close(self) -> None:
        """Close the producer."""
        self._producer.close()
