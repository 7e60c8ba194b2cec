"""Rebuild the counts from the log into a fresh generation, then switch over atomically.

The rebuild replays the events topic from the beginning into a new generation (its own keys,
its own offsets) while the live aggregators go on counting into the active one. Once it has
caught up with the end of the log it makes the new generation active in one Redis step
(never while a release barrier is up). The live aggregators' next batch is then fenced off,
and they resume from the new generation's offsets: nothing is lost or counted twice, and
councils' releases are never cut from a half-built generation.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from services.aggregate.consumer import Aggregator
from services.aggregate.errors import GenerationError
from services.aggregate.redis_store import RedisStore

log = logging.getLogger(__name__)

END_OFFSETS_EVERY_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class RebuildResult:
    """What a rebuild did."""

    old_generation: str
    new_generation: str
    records: int
    seconds: float


def rebuild(
    aggregator: Aggregator,
    *,
    store: RedisStore,
    old_generation: str,
    new_generation: str,
    drop_old: bool = False,
) -> RebuildResult:
    """Replay into ``new_generation`` (the aggregator is pinned to it) until caught up, then
    switch to it."""
    started = time.monotonic()
    aggregator.topic.assign_all()
    records = 0
    ends: dict[int, int] = {}
    checked = 0.0
    while not aggregator.stop_event.is_set():
        records += aggregator.run_once()
        now = time.monotonic()
        if now - checked >= END_OFFSETS_EVERY_SECONDS or aggregator.cursors.caught_up(ends):
            ends = aggregator.topic.end_offsets()
            checked = now
            log.info("rebuild progress", extra={"records": records, "generation": new_generation})
            if not aggregator.cursors.caught_up(ends):
                continue
            aggregator.settle()  # nothing may land in the new generation after the switch
            switched = store.switch_generation(old_generation, new_generation, partitions=ends)
            if switched == 1:
                break
            if switched == -1:
                raise GenerationError(
                    f"generation {old_generation} is no longer active: another rebuild switched"
                )
            log.info("release barrier up: switching when it is lifted")
    else:
        raise GenerationError(f"rebuild into generation {new_generation} stopped before switching")
    if drop_old:
        store.drop_generation(old_generation)
    return RebuildResult(old_generation, new_generation, records, time.monotonic() - started)
