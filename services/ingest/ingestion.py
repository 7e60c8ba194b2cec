"""One batch from one publisher: admit each item, store the good and the bad, answer per item.

Valid events go to the events topic keyed by person key (so a person's events keep their
order in one partition); refused items go to the dead-letter topic with their reason. Both
are sent together and the answer is given only after Kafka acknowledged all of them: if it
does not, `KafkaUnavailable` propagates and nothing is reported accepted. A batch taken all
or nothing (a FHIR transaction) with any item refused stores only the refusals; its valid
items are answered "rejected" with no reason of their own. A second copy of an event id in
the batch that would count differently is refused (`batch_conflicts`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import redis

from services.contract.area_lookup import AreaLookup
from services.contract.dead_letter import DeadLetter, Stage
from services.contract.pseudonym import Pseudonymiser
from services.ingest.admission import Accepted, Admission, Rejected
from services.ingest.batch_conflicts import admit_batch
from services.ingest.batch_parsing import ParsedItem
from services.ingest.metrics import IngestMetrics
from services.ingest.uk_time import london_date
from services.platform.dead_letters import DeadLetterPublisher
from services.platform.errors import KafkaUnavailable
from services.platform.kafka_producer import AckedProducer, OutgoingRecord

log = logging.getLogger(__name__)


# Not frozen: one is made per event, and a frozen dataclass's __init__ costs three times as
# much (each field set through object.__setattr__). Nothing changes one after it is made.
@dataclass(slots=True)
class ItemResult:
    """The answer for one item of a batch, in the batch's order."""

    index: int
    status: Literal["accepted", "rejected"]
    event_id: str | None
    reason: str | None = None
    message: str | None = None
    field: str | None = None


class Ingestion:
    """Admits batches and stores them in Kafka before answering."""

    def __init__(
        self,
        *,
        producer: AckedProducer,
        dead_letters: DeadLetterPublisher,
        pseudonymiser: Pseudonymiser,
        areas: AreaLookup,
        clock: Callable[[], datetime],
        events_topic: str,
        metrics: IngestMetrics,
    ) -> None:
        self._producer = producer
        self._dead_letters = dead_letters
        self._pseudonymiser = pseudonymiser
        self._areas = areas
        self._clock = clock
        self._events_topic = events_topic
        self._metrics = metrics

    def ingest(
        self, items: Sequence[ParsedItem], *, publisher: str, all_or_nothing: bool = False
    ) -> list[ItemResult]:
        """Admit, store and answer a batch; KafkaUnavailable if Kafka does not acknowledge."""
        now = self._clock()
        admission = Admission(
            publisher=publisher,
            pseudonymiser=self._pseudonymiser,
            areas=self._areas,
            today=london_date(now),
        )
        outcomes: list[Accepted | Rejected | None] = list(admit_batch(admission, items))
        if all_or_nothing and any(isinstance(o, Rejected) for o in outcomes):
            outcomes = [o if isinstance(o, Rejected) else None for o in outcomes]
        letters = [
            DeadLetter.from_error(
                o.error,
                original=o.original,
                stage=Stage.INGEST,
                failed_at=now,
                event_id=o.event_id,
                publisher=publisher,
            )
            for o in outcomes
            if isinstance(o, Rejected)
        ]
        records = [
            OutgoingRecord(self._events_topic, o.event.person_key.encode(), o.value)
            for o in outcomes
            if isinstance(o, Accepted)
        ]
        records += self._dead_letters.records(letters)
        self._store(records, publisher=publisher, received=len(items))
        self._count_dead_letters(letters)
        results = [_result(i, o) for i, o in enumerate(outcomes)]
        self._record_metrics(results, publisher)
        return results

    def _store(self, records: list[OutgoingRecord], *, publisher: str, received: int) -> None:
        self._metrics.publisher_seen(publisher)
        self._metrics.received.labels(publisher).inc(received)
        self._metrics.batch_size.observe(received)
        started = time.perf_counter()
        try:
            self._producer.send_all(records)
        except KafkaUnavailable:
            self._metrics.kafka_errors.inc()
            raise
        self._metrics.produce_latency.observe(time.perf_counter() - started)

    def _count_dead_letters(self, letters: list[DeadLetter]) -> None:
        try:
            self._dead_letters.count(letters)
        except redis.RedisError:
            # The letters are safely in Kafka; failing the request now would only make the
            # publisher resend events that are already stored.
            log.error("could not count dead letters in Redis", exc_info=True)

    def _record_metrics(self, results: list[ItemResult], publisher: str) -> None:
        accepted = sum(1 for r in results if r.status == "accepted")
        if accepted:
            self._metrics.accepted.labels(publisher).inc(accepted)
        for reason, n in Counter(r.reason for r in results if r.reason).items():
            self._metrics.rejected.labels(publisher, reason).inc(n)


def _result(index: int, outcome: Accepted | Rejected | None) -> ItemResult:
    if outcome is None:
        return ItemResult(
            index, "rejected", None, message="not stored: another item of the batch was refused"
        )
    if isinstance(outcome, Accepted):
        return ItemResult(index, "accepted", outcome.event.event_id)
    error = outcome.error
    return ItemResult(
        index, "rejected", outcome.event_id, error.reason.value, error.message, error.field
    )
