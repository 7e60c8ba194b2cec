"""A deterministic, realistic feed of vaccination events for chosen LTLAs.

People are drawn from the real populations (`simulated_population`), vaccinated following the
2020-21 roll-out (`rollout_model`), and their events are emitted in recorded-time order with
the data-quality traits real feeds have: resubmitted duplicates, corrections, retractions of
duplicate entries (some arriving before the entry they retract), late arrivals and invalid
records of each validation reason (`simulated_faults`). The simulator keeps the ground truth
(the one final event of every real vaccination), from which `ExpectedCounts` gives the exact
counts the aggregator must reach.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

from services.contract.events import VaccinationEvent
from services.ingest.expected_counts import ExpectedCounts
from services.ingest.simulation_config import (
    DEFAULT_INVALID_RATES,
    DEFAULT_PSEUDONYM_KEY,
    NW_LONDON,
    SimulatedRecord,
    SimulationConfig,
    Trait,
    TraitRates,
)
from services.ingest.simulation_run import SimulationRun

__all__ = [
    "DEFAULT_INVALID_RATES",
    "DEFAULT_PSEUDONYM_KEY",
    "NW_LONDON",
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
        self._output: tuple[tuple[SimulatedRecord, ...], tuple[VaccinationEvent, ...]] | None = None

    def iter_events(self) -> Iterator[SimulatedRecord]:
        """The records in output order (recorded time, with late deliveries)."""
        return iter(self._run()[0])

    def records(self) -> tuple[SimulatedRecord, ...]:
        """All records in output order."""
        return self._run()[0]

    def truth(self) -> tuple[VaccinationEvent, ...]:
        """The final event of every vaccination in the feed: what must end up counted."""
        return self._run()[1]

    def expected_counts(self, breakdowns: tuple[str, ...] | None = None) -> ExpectedCounts:
        """Exact final counts from the ground truth."""
        return ExpectedCounts.from_events(self.truth(), breakdowns)

    def _run(self) -> tuple[tuple[SimulatedRecord, ...], tuple[VaccinationEvent, ...]]:
        if self._output is None:
            self._output = self._simulate()
        return self._output

    def _simulate(self) -> tuple[tuple[SimulatedRecord, ...], tuple[VaccinationEvent, ...]]:
        # Millions of small objects and no cycles: the cyclic collector only slows this down.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return SimulationRun(self.config).run()
        finally:
            if was_enabled:
                gc.enable()
