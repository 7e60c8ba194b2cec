"""Protect a release's families on a pool of worker processes (families are independent).

Disclosure control is CPU-bound pure Python and numpy, so threads would not help; processes
do. Families with no vaccinations at all are protected in place (they take microseconds and
would cost more to ship to a worker), and no pool is started unless at least two families
have work in them.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from services.disclosure.family import FamilyInput, ProtectedFamily
from services.release.tables import FamilyMapper

_PRELOAD = ["services.disclosure.protect"]  # numpy, scipy: imported once, not per worker


def _work(family: FamilyInput) -> int:
    """How much a family holds: its exact cells that are not zero."""
    return sum(int((matrix != 0).sum()) for matrix in family.exact_new.values())


@contextmanager
def family_mapper(workers: int) -> Iterator[FamilyMapper]:
    """A mapper for `build_tables` running on up to ``workers`` processes (1: in this one)."""
    if workers <= 1:
        yield map
        return
    pool: ProcessPoolExecutor | None = None

    def mapper(
        protect: Callable[[FamilyInput], ProtectedFamily], families: Sequence[FamilyInput]
    ) -> list[ProtectedFamily]:
        nonlocal pool
        work = [_work(family) for family in families]
        busy = sorted((i for i, w in enumerate(work) if w), key=lambda i: -work[i])
        if len(busy) < 2:
            return [protect(family) for family in families]
        if pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        # The largest families first, so no worker is left with a big one at the end.
        futures: dict[int, Future[ProtectedFamily]] = {
            i: pool.submit(protect, families[i]) for i in busy
        }
        return [
            futures[i].result() if i in futures else protect(family)
            for i, family in enumerate(families)
        ]

    try:
        yield mapper
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
