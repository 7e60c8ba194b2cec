"""One batch applied to Redis on a worker thread while the next one is polled and decoded.

Redis runs a batch's script while the aggregator, with the GIL free during the wait, reads
and decodes the next batch. The next batch reads event states only after the previous one
is settled, and every apply is still fenced on the stored offsets, so the overlap changes
when work happens, never what is counted. A batch in flight whose apply failed surfaces its
error at the next `settle`, before anything of the following batch is written.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from services.aggregate.errors import FenceError, StoreUnavailableError


class ApplyInFlight:
    """At most one apply running; its completion handled on the caller's thread."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redis-apply")
        self._future: Future[None] | None = None
        self._applied: Callable[[], None] = _nothing

    @property
    def busy(self) -> bool:
        """True while a batch is submitted and not yet settled."""
        return self._future is not None

    def submit(self, apply: Callable[[], None], applied: Callable[[], None]) -> None:
        """Start ``apply`` (the previous batch must be settled); ``applied`` runs on settle."""
        if self._future is not None:
            raise RuntimeError("a batch is still in flight: settle it first")
        self._future, self._applied = self._pool.submit(apply), applied

    def settle(self) -> None:
        """Wait for the batch in flight, then run its ``applied``; re-raise its error."""
        future, self._future = self._future, None
        if future is None:
            return
        future.result()
        self._applied()

    def abandon(self) -> None:
        """Wait for the batch in flight; on success run its ``applied``, on failure forget it."""
        try:
            self.settle()
        except (FenceError, StoreUnavailableError):
            return  # the caller resynchronises from Redis, which says what landed

    def close(self) -> None:
        """Settle what is in flight (errors forgotten) and stop the worker thread."""
        self.abandon()
        self._pool.shutdown()


def _nothing() -> None:
    return None
