"""A deterministic, realistic feed of vaccination events for chosen LTLAs.

People are drawn from the real populations (`population`), vaccinated following the
2020-21 roll-out (`rollout`), and their events are emitted in recorded-time order with
the data-quality traits real feeds have: resubmitted duplicates, corrections, retractions of
duplicate entries (some arriving before the entry they retract), late arrivals and invalid
records of each validation reason (`faults`). The simulator keeps the ground truth
(the one final event of every real vaccination), from which `ExpectedCounts` gives the exact
counts the aggregator must reach.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import TypeVar

from devtools.simulator.config import (
    DEFAULT_INVALID_RATES,
    DEFAULT_PSEUDONYM_KEY,
    NW_LONDON,
    SimulatedRecord,
    SimulationConfig,
    Trait,
    TraitRates,
)
from devtools.simulator.expected_counts import ExpectedCounts
from devtools.simulator.feed import SimulatedFeed
from devtools.simulator.run import SimulationRun
from services.contract.events import VaccinationEvent

T = TypeVar("T")

__all__ = [
    "DEFAULT_INVALID_RATES",
    "DEFAULT_PSEUDONYM_KEY",
    "NW_LONDON",
    "SimulatedFeed",
    "SimulatedRecord",
    "SimulationConfig",
    "Simulator",
    "Trait",
    "TraitRates",
]


class Simulator:
    """Simulates the feed once, then serves it and its ground truth."""

    def __init__(self, config: SimulationConfig | None = None) -> None:
        self.config = config or SimulationConfig()
        self._feed: SimulatedFeed | None = None
        self._records: tuple[SimulatedRecord, ...] | None = None
        self._truth: tuple[VaccinationEvent, ...] | None = None

    def feed(self) -> SimulatedFeed:
        """The feed as columns, for writers that render it without making objects."""
        if self._feed is None:
            self._feed = _without_gc(SimulationRun(self.config).run)
        return self._feed

    def iter_events(self) -> Iterator[SimulatedRecord]:
        """The records in output order (recorded time, with late deliveries)."""
        return iter(self.records())

    def records(self) -> tuple[SimulatedRecord, ...]:
        """All records in output order."""
        if self._records is None:
            self._records, self._truth = _without_gc(self.feed().as_objects)
        return self._records

    def truth(self) -> tuple[VaccinationEvent, ...]:
        """The final event of every vaccination in the feed: what must end up counted."""
        if self._truth is None:
            self._truth = _without_gc(self.feed().truth)
        return self._truth

    def expected_counts(self, breakdowns: tuple[str, ...] | None = None) -> ExpectedCounts:
        """Exact final counts from the ground truth."""
        return ExpectedCounts.from_events(self.truth(), breakdowns)


def _without_gc(make: Callable[[], T]) -> T:
    # Millions of small objects and no cycles: the cyclic collector only slows this down.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return make()
    finally:
        if was_enabled:
            gc.enable()
