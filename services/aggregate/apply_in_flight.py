"""One batch applied to Redis on a worker thread while the next one is polled and decoded.

Redis runs a batch's script while the aggregator, with the GIL free during the wait, reads
and decodes the next batch. The next batch reads event states only after the previous one
is settled, and every apply is still fenced on the stored offsets, so the overlap changes
when work happens, never what is counted. A batch in flight whose apply failed surfaces its
error at the next `settle`, before anything of the following batch is written.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

from services.aggregate.batch import PreparedBatch
from services.aggregate.counting_target import CountingTarget
from services.aggregate.errors import FenceError, StoreUnavailableError
from services.aggregate.metrics import AggregateMetrics
from services.aggregate.redis_store import RedisStore


class ApplyInFlight:
    """At most one batch applying; whoever settles it learns which batch landed."""

    def __init__(self, *, store: RedisStore, metrics: AggregateMetrics, live: bool) -> None:
        self._store, self._metrics, self._live = store, metrics, live
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redis-apply")
        self._future: Future[None] | None = None
        self._batch: PreparedBatch | None = None

    def submit(self, prepared: PreparedBatch, target: CountingTarget, *, started: float) -> None:
        """Start applying a batch on the worker thread (the previous must be settled)."""
        if self._future is not None:
            raise RuntimeError("a batch is still in flight: settle it first")
        apply = self._pool.submit(self._apply, prepared, target, started)
        self._future, self._batch = apply, prepared

    def _apply(self, prepared: PreparedBatch, target: CountingTarget, started: float) -> None:
        """On the worker thread: Redis and the (thread-safe) metrics, nothing else."""
        live = self._live
        self._store.apply(  # one atomic script call per partition
            target.generation,
            target.spec.buckets,
            prepared.writes,
            must_be_active=live,
            respect_barrier=live,
        )
        self._metrics.applied(prepared, seconds=time.perf_counter() - started)
        self._metrics.record_freshness(prepared.intake.records)

    def settle(self) -> PreparedBatch | None:
        """Wait for the batch in flight; return it once landed (None: there was none), or
        re-raise its error (a write of some partitions may have landed: Redis's offsets
        say which)."""
        future, batch = self._future, self._batch
        self._future = self._batch = None
        if future is None:
            return None
        future.result()
        return batch

    def abandon(self) -> PreparedBatch | None:
        """Wait for the batch in flight; return it if it landed, forget it if it failed."""
        try:
            return self.settle()
        except (FenceError, StoreUnavailableError):
            return None  # the caller resynchronises from Redis, which says what landed

    def close(self) -> None:
        """Settle what is in flight (errors forgotten) and stop the worker thread."""
        self.abandon()
        self._pool.shutdown()
