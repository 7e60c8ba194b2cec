"""The consumer loop: poll a batch, take it in, count it, apply it to Redis in one step.

Exactly-once effect: Redis, not Kafka, holds the offsets. On assignment each partition is
sought to Redis's offset; every batch is applied by one Lua script that first checks the
stored offset of each of its partitions is still the one the batch started from (a consumer
that lost its partitions in a rebalance is fenced off), that the event states it read are
unchanged, and (live) that its generation is still active and no release barrier is crossed.
On any refusal the batch is dropped and the consumer resumes from Redis's offsets.

While Redis applies one batch, the next is polled and decoded (`apply_in_flight`); its event
states are read only once the previous batch has landed, and a failed apply drops it too.
Offsets and barrier holds are `cursor`, preparing a batch `batch`, the topic `topic_reader`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kafka import KafkaConsumer

from services.aggregate.apply_in_flight import ApplyInFlight
from services.aggregate.batch import BatchPreparer, PreparedBatch
from services.aggregate.counting_target import CountingTarget, Mode, load_target
from services.aggregate.cursor import Cursors
from services.aggregate.dead_letter_sender import DeadLetterSender
from services.aggregate.errors import DeadLetterError, FenceError, StoreUnavailableError
from services.aggregate.generation import GenerationSpec
from services.aggregate.loop_health import LoopHealth
from services.aggregate.metrics import AggregateMetrics
from services.aggregate.record_intake import RecordIntake
from services.aggregate.redis_store import RedisStore
from services.aggregate.topic_reader import TopicReader

log = logging.getLogger(__name__)

POLL_TIMEOUT_MS = 500
HOLD_WAIT_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 30.0


class Aggregator:
    """Counts the events topic into one generation of counts in Redis."""

    def __init__(
        self,
        *,
        consumer: KafkaConsumer,
        store: RedisStore,
        intake: RecordIntake,
        metrics: AggregateMetrics,
        topic: str,
        batch_size: int,
        default_spec: Callable[[], GenerationSpec],
        dead_letters: DeadLetterSender | None = None,
        mode: Mode | None = None,
    ) -> None:
        self.topic = TopicReader(consumer, topic=topic)
        self.store, self.metrics = store, metrics
        self.batch_size, self.mode = batch_size, mode or Mode()
        self._default_spec, self._dead_letters = default_spec, dead_letters
        self.stop_event = threading.Event()
        self.health = LoopHealth()
        self.cursors = Cursors()
        live = self.mode.live
        self._batches = BatchPreparer(intake=intake, read_states=store.read_states, live=live)
        self._in_flight = ApplyInFlight(store=store, metrics=metrics, live=live)
        self._target: CountingTarget | None = None
        self._resync_needed = True
        self._backoff = 0.0

    def subscribe(self) -> None:
        """Join the consumer group; partitions are sought to Redis's offsets on assignment."""
        self.topic.subscribe(revoked=self._revoked, assigned=self._assigned)

    def run(self) -> None:
        """Loop until `stop_event` is set; the batch in hand is always finished first."""
        while not self.stop_event.is_set():
            self.run_once()
        self._in_flight.close()

    def run_once(self) -> int:
        """One poll-count-apply round; returns the number of records applied."""
        self.health.looped()
        try:
            if self._resync_needed:
                self._resync()
            applied = self._round()
            self._backoff = 0.0
            return applied
        except FenceError as exc:
            self.metrics.fenced.labels(exc.kind).inc()
            log.info("batch fenced off, resuming from Redis offsets", extra={"fence": exc.kind})
            if exc.kind == "generation":
                self._target = None
            self._resync_needed = True
        except (StoreUnavailableError, DeadLetterError) as exc:
            self._retry_later(exc)
        return 0

    def _round(self) -> int:
        barriers = self.store.barrier() if self.mode.live else {}
        self.health.redis_answered()
        polled = self.topic.poll(timeout_ms=POLL_TIMEOUT_MS, max_records=self.batch_size)
        if self._resync_needed:  # a rebalance could not read Redis: records may be stale
            return 0
        started = time.perf_counter()
        plan = self.cursors.plan(polled, barriers)
        self._resync_needed = plan.foreign  # records of a partition we were never sought for
        for partition, offset in plan.seeks.items():
            self.topic.seek(partition, offset)
        for partition in plan.newly_held:
            log.info("holding at the release barrier", extra={"partition": partition})
        if not plan.moves:
            self.settle()  # nothing new: let the last batch land
            self._update_lag()
            if self.cursors.holding:
                self.stop_event.wait(HOLD_WAIT_SECONDS)  # don't spin re-reading held records
            return 0
        target = self._current_target()
        prepared = self._batches.prepare(
            plan.records, plan.moves, target, before_reading=self.settle
        )  # settling first: a failed apply of the batch in flight drops this one unwritten
        if self.mode.live and self._dead_letters is not None:
            self._dead_letters.send(prepared.refused)
        self._in_flight.submit(prepared, target, started=started)
        self.cursors.submitted(prepared.landed)
        return len(plan.records)

    def settle(self) -> None:
        """Wait until the batch applying in Redis has landed (`cursors` then include it)."""
        self._landed(self._in_flight.settle())

    def _landed(self, write: PreparedBatch | None) -> None:
        """On this thread, which alone touches the Kafka consumer: a batch landed."""
        if write is not None:
            self.health.redis_answered()
            self.cursors.landed(write.landed)
            self._update_lag()

    def _current_target(self) -> CountingTarget:
        if self._target is None:
            self._target = load_target(self.store, self.mode, self._default_spec)
            self.metrics.generation.set(int(self._target.generation))
        return self._target

    def _resync(self, only: list[int] | None = None) -> None:
        """Load the generation and seek partitions to Redis's offsets."""
        self._landed(self._in_flight.abandon())  # Redis's offsets then say what landed
        stored = self.store.offsets(self._current_target().generation)
        self.health.redis_answered()
        partitions = only if only is not None else self.topic.assigned()
        seeks = self.cursors.reset(stored, partitions, all_owned=only is None)
        for partition, offset in seeks.items():
            self.topic.seek(partition, offset)
        if only is None:
            self._resync_needed = False

    def _revoked(self, partitions: list[int]) -> None:
        self._landed(self._in_flight.abandon())  # before the partitions are forgotten
        self.cursors.revoke(partitions)

    def _assigned(self, partitions: list[int]) -> None:
        try:
            self._resync(only=partitions)
        except StoreUnavailableError:
            self.metrics.redis_errors.inc()
            self._resync_needed = True

    def _update_lag(self) -> None:
        self.metrics.record_lag(self.topic.highwaters(), self.cursors.stored)

    def _retry_later(self, exc: StoreUnavailableError | DeadLetterError) -> None:
        if isinstance(exc, StoreUnavailableError):
            self.metrics.redis_errors.inc()
        what = "redis" if isinstance(exc, StoreUnavailableError) else "dead-letter topic"
        log.warning("%s unavailable, will retry", what, extra={"error": str(exc)})
        self._resync_needed = True
        self._backoff = min(MAX_BACKOFF_SECONDS, max(0.5, self._backoff * 2))
        self.stop_event.wait(self._backoff)
