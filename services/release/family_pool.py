"""Protect a release's clusters on a pool of worker processes (independent given headlines).

Disclosure control is CPU-bound pure Python and numpy, so threads would not help; processes
do. Clusters with no vaccinations at all are protected in place (they take microseconds and
would cost more to ship to a worker), and no pool is started unless at least two clusters
have work in them.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from services.disclosure.linked.national import ClusterJob, ClusterOutcome
from services.release.tables import FamilyMapper

_PRELOAD = ["services.disclosure.linked.national"]  # numpy, scipy: imported once per worker


def _work(job: ClusterJob) -> int:
    """How much a cluster holds: its exact cells that are not zero."""
    return sum(int((matrix != 0).sum()) for _, matrix in job.spec.tables.values())


@contextmanager
def family_mapper(workers: int) -> Iterator[FamilyMapper]:
    """A mapper for `build_tables` running on up to ``workers`` processes (1: in this one)."""
    if workers <= 1:
        yield map
        return
    pool: ProcessPoolExecutor | None = None

    def mapper(
        protect: Callable[[ClusterJob], ClusterOutcome], jobs: Sequence[ClusterJob]
    ) -> list[ClusterOutcome]:
        nonlocal pool
        work = [_work(job) for job in jobs]
        busy = sorted((i for i, w in enumerate(work) if w), key=lambda i: -work[i])
        if len(busy) < 2:
            return [protect(job) for job in jobs]
        if pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        # The largest jobs first, so no worker is left with a big one at the end.
        futures: dict[int, Future[ClusterOutcome]] = {
            i: pool.submit(protect, jobs[i]) for i in busy
        }
        return [futures[i].result() if i in futures else protect(job) for i, job in enumerate(jobs)]

    try:
        yield mapper
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
