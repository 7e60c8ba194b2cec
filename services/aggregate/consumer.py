"""The consumer loop: poll a batch, take it in, count it, apply it to Redis in one step.

Exactly-once effect: Redis, not Kafka, holds the offsets. On assignment each partition is
sought to Redis's offset; every batch is applied by one Lua script that first checks the
stored offset of each of its partitions is still the one the batch started from (a consumer
that lost its partitions in a rebalance is fenced off), that the event states it read are
unchanged, and (live) that its generation is still active and no release barrier is crossed.
On any refusal the batch is dropped and the consumer resumes from Redis's offsets.

While Redis applies one batch, the next is polled and decoded (`ApplyInFlight`); its event
states are read only once the previous batch has landed, and a failed apply drops it too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener

from services.aggregate.apply_in_flight import ApplyInFlight
from services.aggregate.counting import BatchCounter, ids_to_read
from services.aggregate.dead_letter_sender import DeadLetterSender
from services.aggregate.errors import DeadLetterError, FenceError, StoreUnavailableError
from services.aggregate.generation import GenerationSpec
from services.aggregate.metrics import AggregateMetrics
from services.aggregate.record_intake import LogRecord, RecordIntake
from services.aggregate.redis_store import BatchWrite, RedisStore
from services.reference.breakdowns import select_breakdowns

log = logging.getLogger(__name__)

POLL_TIMEOUT_MS = 500
HOLD_WAIT_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Mode:
    """Live (follow the active generation, respect barriers, dead-letter) or pinned (rebuild)."""

    pinned_generation: str | None = None

    @property
    def live(self) -> bool:
        return self.pinned_generation is None


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
        self.consumer = consumer
        self.store = store
        self.intake = intake
        self.metrics = metrics
        self.topic = topic
        self.batch_size = batch_size
        self.mode = mode or Mode()
        self._default_spec = default_spec
        self._dead_letters = dead_letters
        self.stop_event = threading.Event()
        self.positions: dict[int, int | None] = {}  # partition -> offset stored in Redis
        self._next: dict[int, int] = {}  # partition -> offset once the batch in flight lands
        self._in_flight = ApplyInFlight()
        self._held: set[int] = set()  # partitions whose records reached the barrier
        self._held_before: set[int] = set()
        self._resync_needed = True
        self._backoff = 0.0
        self.generation = ""
        self.last_loop = time.monotonic()
        self.last_redis_ok = 0.0

    # --- lifecycle --------------------------------------------------------------------

    def subscribe(self) -> None:
        """Join the consumer group; partitions are sought to Redis's offsets on assignment."""
        self.consumer.subscribe(topics=[self.topic], listener=_Listener(self))

    def assign_all(self) -> None:
        """Read every partition of the topic without a group (rebuilds)."""
        partitions = self.consumer.partitions_for_topic(self.topic) or set()
        self.consumer.assign([TopicPartition(self.topic, p) for p in sorted(partitions)])

    def run(self) -> None:
        """Loop until `stop_event` is set; the batch in hand is always finished first."""
        while not self.stop_event.is_set():
            self.run_once()
        self._in_flight.close()

    def settle(self) -> None:
        """Wait until the batch applying in Redis has landed (`positions` then include it)."""
        self._in_flight.settle()

    def run_once(self) -> int:
        """One poll-count-apply round; returns the number of records applied."""
        self.last_loop = time.monotonic()
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
                self.generation = ""
            self._resync_needed = True
        except StoreUnavailableError as exc:
            self.metrics.redis_errors.inc()
            log.warning("redis unavailable, will retry", extra={"error": str(exc)})
            self._resync_needed = True
            self._sleep_backoff()
        except DeadLetterError as exc:
            log.warning("dead-letter topic unavailable, will retry", extra={"error": str(exc)})
            self._resync_needed = True
            self._sleep_backoff()
        return 0

    def ready(self) -> bool:
        """True while the loop runs and Redis answered recently."""
        now = time.monotonic()
        return now - self.last_loop < 60 and now - self.last_redis_ok < 60

    def alive(self) -> bool:
        """True while the loop is not stuck."""
        return time.monotonic() - self.last_loop < 120

    # --- one round --------------------------------------------------------------------

    def _round(self) -> int:
        barrier = self.store.barrier() if self.mode.live else {}
        self.last_redis_ok = time.monotonic()
        polled = self.consumer.poll(timeout_ms=POLL_TIMEOUT_MS, max_records=self.batch_size)
        if self._resync_needed:  # a rebalance could not read Redis: records may be stale
            return 0
        started = time.perf_counter()
        self._held_before, self._held = self._held, set()
        partitions: list[tuple[int, int | None, int]] = []
        records: list[LogRecord] = []
        for tp, batch in polled.items():
            kept, start, new_offset = self._trim(tp, batch, barrier.get(tp.partition))
            if new_offset is not None:
                partitions.append((tp.partition, start, new_offset))
                records.extend(kept)
        if not partitions:
            self._in_flight.settle()  # nothing new: let the last batch land
            self._update_lag()
            if self._held:
                self.stop_event.wait(HOLD_WAIT_SECONDS)  # don't spin re-reading held records
            return 0
        self._apply(partitions, records, started)
        return len(records)

    def _trim(
        self, tp: TopicPartition, batch: Sequence[LogRecord], barrier: int | None
    ) -> tuple[list[LogRecord], int | None, int | None]:
        """Records of a partition still to count, the offset Redis will hold before them, and
        the offset after them (None: nothing to count).

        Records at or beyond a release barrier are dropped and the partition is sought back
        to the barrier, so they are fetched again once it is lifted. (Pausing the partition
        instead can leave it stuck after resuming, with records parked inside the client.)
        """
        if tp.partition not in self.positions:
            self._resync_needed = True  # records of a partition we were never sought for
            return [], None, None
        # Redis's offset once the batch in flight (if any) has landed.
        start = self._next.get(tp.partition, self.positions[tp.partition])
        kept = list(batch)
        if start is not None and kept and kept[0].offset < start:
            kept = [r for r in kept if r.offset >= start]  # never count below Redis's offset
        new_offset = kept[-1].offset + 1 if kept else None
        if barrier is not None and new_offset is not None and new_offset > barrier:
            kept = [r for r in kept if r.offset < barrier]
            new_offset = barrier  # no record lies between the last kept and the barrier
            self.consumer.seek(tp, barrier)
            if tp.partition not in self._held_before:
                log.info("holding at the release barrier", extra={"partition": tp.partition})
            self._held.add(tp.partition)
        if new_offset is not None and start is not None and new_offset <= start:
            return [], start, None
        return kept, start, new_offset

    def _apply(
        self, partitions: list[tuple[int, int | None, int]], records: list[LogRecord], t0: float
    ) -> None:
        spec = self._spec
        intake = self.intake.take(records)  # while Redis applies the previous batch
        self._in_flight.settle()  # its failure drops this batch before anything is written
        stored = self.store.read_states(self.generation, spec.buckets, ids_to_read(intake.events))
        outcome = self._counter.count(intake.events, stored)
        reasons = dict(Counter(refused.error.reason.value for refused in intake.refused))
        stats = {"consumed": len(records), "dead_lettered": len(intake.refused)}
        stats.update({f"dead_lettered:{reason}": n for reason, n in reasons.items()})
        if self.mode.live and self._dead_letters is not None:
            self._dead_letters.send(intake.refused)
        write = BatchWrite(
            partitions=partitions,
            outcome=outcome,
            stats=stats,
            dead_letters=reasons if self.mode.live else {},
        )
        landed = {partition: new_offset for partition, _, new_offset in partitions}
        generation, buckets, live = self.generation, spec.buckets, self.mode.live

        def apply() -> None:  # on the worker thread: Redis and the (thread-safe) metrics
            self.store.apply(generation, buckets, write, must_be_active=live, respect_barrier=live)
            seconds = time.perf_counter() - t0
            self.metrics.batch({**outcome.stats, **stats}, reasons, seconds=seconds)
            self.metrics.record_freshness(intake.events, intake.partitions)

        def applied() -> None:  # on this thread, which alone touches the Kafka consumer
            self.last_redis_ok = time.monotonic()
            self.positions.update(landed)
            self._update_lag()

        self._in_flight.submit(apply, applied)
        self._next.update(landed)

    # --- offsets, generations and barriers ----------------------------------------------

    def _resync(self, only: Sequence[TopicPartition] | None = None) -> None:
        """Load the generation and seek partitions to Redis's offsets."""
        self._in_flight.abandon()  # Redis's offsets then say whether it landed
        self._next.clear()
        if not self.generation:
            self._load_generation()
        stored = self.store.offsets(self.generation)
        self.last_redis_ok = time.monotonic()
        targets = list(only) if only is not None else list(self.consumer.assignment())
        for tp in targets:
            offset = stored.get(tp.partition)
            self.positions[tp.partition] = offset
            if offset is None:
                self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, offset)
        if only is None:
            assigned = {tp.partition for tp in targets}
            for partition in list(self.positions):
                if partition not in assigned:
                    del self.positions[partition]
            self._resync_needed = False

    def _load_generation(self) -> None:
        generation = self.mode.pinned_generation or self.store.active_generation()
        spec = self.store.spec(generation, default=self._default_spec)
        configured = self._default_spec().breakdowns if self.mode.live else spec.breakdowns
        if spec.breakdowns != configured:
            log.warning(
                "active generation counts other breakdowns than configured; following it",
                extra={"generation": generation, "breakdowns": ",".join(spec.breakdowns)},
            )
        self._spec = spec
        self._counter = BatchCounter(
            breakdowns=select_breakdowns(spec.breakdowns), codec=spec.codec()
        )
        self.generation = generation
        self.metrics.generation.set(int(generation))
        log.info("counting into generation", extra={"generation": generation})

    def _revoked(self, revoked: Sequence[TopicPartition]) -> None:
        self._in_flight.abandon()  # or its landing would bring the partitions' positions back
        for tp in revoked:
            self.positions.pop(tp.partition, None)

    def _assigned(self, assigned: Sequence[TopicPartition]) -> None:
        try:
            self._resync(only=assigned)
        except StoreUnavailableError:
            self.metrics.redis_errors.inc()
            self._resync_needed = True

    def _update_lag(self) -> None:
        highwaters = {
            tp.partition: self.consumer.highwater(tp) for tp in self.consumer.assignment()
        }
        self.metrics.record_lag(highwaters, self.positions)

    def _sleep_backoff(self) -> None:
        self._backoff = min(MAX_BACKOFF_SECONDS, max(0.5, self._backoff * 2))
        self.stop_event.wait(self._backoff)


class _Listener(ConsumerRebalanceListener):
    """Seeks newly assigned partitions to Redis's offsets before any record is fetched."""

    def __init__(self, aggregator: Aggregator) -> None:
        self._aggregator = aggregator

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        self._aggregator._revoked(revoked)

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        self._aggregator._assigned(assigned)
