"""Which generation the aggregator counts into, and the counter its spec calls for.

Live, the aggregator follows the active generation (whatever breakdowns it counts, so a
rebuild with new breakdowns switches every running aggregator over); a rebuild is pinned to
the new generation it fills.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from services.aggregate.counting import BatchCounter
from services.aggregate.generation import GenerationSpec
from services.reference.breakdowns import select_breakdowns

log = logging.getLogger(__name__)


class Generations(Protocol):
    """Where generations are recorded (the Redis store)."""

    def active_generation(self) -> str: ...
    def spec(
        self, generation: str, *, default: Callable[[], GenerationSpec] | None = None
    ) -> GenerationSpec: ...


@dataclass(frozen=True, slots=True)
class Mode:
    """Live (follow the active generation, respect barriers, dead-letter) or pinned (rebuild)."""

    pinned_generation: str | None = None

    @property
    def live(self) -> bool:
        return self.pinned_generation is None


@dataclass(frozen=True, slots=True)
class CountingTarget:
    """A generation, its spec and the counter that counts into it."""

    generation: str
    spec: GenerationSpec
    counter: BatchCounter


def load_target(
    store: Generations, mode: Mode, default_spec: Callable[[], GenerationSpec]
) -> CountingTarget:
    """The generation to count into now (creating its spec if it has none)."""
    generation = mode.pinned_generation or store.active_generation()
    spec = store.spec(generation, default=default_spec)
    configured = default_spec().breakdowns if mode.live else spec.breakdowns
    if spec.breakdowns != configured:
        log.warning(
            "active generation counts other breakdowns than configured; following it",
            extra={"generation": generation, "breakdowns": ",".join(spec.breakdowns)},
        )
    counter = BatchCounter(breakdowns=select_breakdowns(spec.breakdowns), codec=spec.codec())
    log.info("counting into generation", extra={"generation": generation})
    return CountingTarget(generation, spec, counter)
