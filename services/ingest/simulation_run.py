"""One run of the simulator: residents, their doses, and the feed's data-quality traits.

Everything every dose needs is drawn for a whole LTLA at once (numpy, one random stream per
LTLA); the rare records that follow from a dose (corrections, retractions, invalid copies and
their resubmissions) are then made one by one from a second stream.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from itertools import repeat

import numpy as np

from services.contract.events import EventKind, VaccinationEvent
from services.ingest import rollout_model as model
from services.ingest.simulated_events import Administrations, build, timestamp
from services.ingest.simulated_faults import (
    FAULT_MAKERS,
    NHS_NUMBER_ONLY,
    PERSON_KEY_ONLY,
    FaultContext,
)
from services.ingest.simulated_population import Identities, ResidentSampler
from services.ingest.simulation_config import SimulatedRecord, SimulationConfig, Trait
from services.reference.areas import load_areas

LONDON = "E12000007"
_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ON_TIME_TRAITS = np.array((Trait.ORIGINAL, Trait.LATE), dtype=object)


class SimulationRun:
    """The mutable state of one simulation: random streams, counters and output.

    ``records`` and ``delivered`` are parallel: each record with its delivery time (Unix
    seconds), in the order made; ``truth`` is the final event of every vaccination.
    """

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        self.rates = config.rates
        self.records: list[SimulatedRecord] = []
        self.delivered: list[int] = []
        self.truth: list[VaccinationEvent] = []
        self.identities = Identities(config.seed, config.pseudonym_key)
        invalid = {
            reason: rate
            for reason, rate in config.rates.invalid.items()
            if rate > 0
            and reason not in (PERSON_KEY_ONLY if config.with_nhs_numbers else NHS_NUMBER_ONLY)
        }
        self.invalid_reasons = tuple(invalid)
        self.invalid_weights = tuple(invalid.values())
        self.invalid_total = sum(invalid.values())
        areas = load_areas()
        self.foreign_msoa = next(
            areas.msoas_in(a.code)[0] for a in areas.ltlas() if a.code not in config.areas
        )
        self.rng = random.Random()
        self.ltla = ""
        self.event_counter = 0

    def simulate_area(self, ltla: str) -> None:
        """Simulate everyone in one LTLA who could be vaccinated."""
        config, rates = self.config, self.rates
        stream = f"{config.seed}:{ltla}"
        draws = np.random.default_rng(int.from_bytes(hashlib.sha256(stream.encode()).digest()))
        self.rng = random.Random(stream)
        self.ltla = ltla
        sampler = ResidentSampler(ltla)
        residents = sampler.sample(draws, round(sampler.total * config.scale), min_age=12)
        london = _region_of(ltla) == LONDON
        doses = model.doses(residents, draws, london=london, start=config.start, end=config.end)
        count = len(doses.person)
        # People are numbered in the order of their first dose.
        first = np.ones(count, dtype=bool)
        first[1:] = doses.person[1:] != doses.person[:-1]
        person = np.cumsum(first) - 1
        nhs_numbers = self.identities.nhs_numbers(int(first.sum()))
        keys = self.identities.person_keys(nhs_numbers)
        nhs = np.array(nhs_numbers, dtype=object)[person].tolist()
        u = draws.random((7, count))
        late = u[0] < rates.late
        given = (doses.day - _EPOCH_ORDINAL) * _DAY + 28_800 + (u[1] * 43_200).astype(np.int64)
        on_time_lag = (u[2] * 10_800).astype(np.int64)
        recorded = given + np.where(late, (2 + (u[2] * 20).astype(np.int64)) * _DAY, on_time_lag)
        events = Administrations(ltla, sampler.msoa_codes).build(
            residents,
            doses,
            draws,
            event_ids=[f"SIM{config.seed}-{ltla}-{i:07d}" for i in range(1, count + 1)],
            person_keys=np.array(keys, dtype=object)[person].tolist(),
            recorded_secs=recorded,
        )
        self.event_counter = count
        records = _records(events, nhs, _ON_TIME_TRAITS[late.astype(np.int64)].tolist())
        truth = events.copy()
        corrected = u[3] < rates.correction
        retracted = ~corrected & (u[3] < rates.correction + rates.retraction)
        invalid = u[4] < self.invalid_total
        recorded_at = recorded.tolist()
        for i in np.flatnonzero(corrected | retracted | invalid).tolist():
            if corrected[i]:
                records[i], truth[i] = self._corrected(events[i], nhs[i], recorded_at[i])
            elif retracted[i]:
                self._retracted_entry(events[i], nhs[i], recorded_at[i])
            if invalid[i]:
                self._invalid(events[i], nhs[i], recorded_at[i])
        # Any valid record may be resubmitted; those made above already were, one by one.
        again = np.flatnonzero(u[5] < rates.duplicate)
        delay = 60 + (u[6][again] * (3 * _DAY - 59)).astype(np.int64)
        copies = [records[i].event for i in again.tolist()]
        resubmitted = _records(copies, [nhs[i] for i in again.tolist()], repeat(Trait.DUPLICATE))
        self.records += records + resubmitted
        self.delivered += recorded_at + (recorded[again] + delay).tolist()
        self.truth += truth

    def _next_id(self) -> str:
        self.event_counter += 1
        return f"SIM{self.config.seed}-{self.ltla}-{self.event_counter:07d}"

    def _emit(self, secs: int, record: SimulatedRecord) -> None:
        self.records.append(record)
        self.delivered.append(secs)
        if record.valid and self.rng.random() < self.rates.duplicate:
            self.records.append(replace(record, trait=Trait.DUPLICATE))
            self.delivered.append(secs + self.rng.randint(60, 3 * _DAY))

    def _corrected(
        self, event: VaccinationEvent, nhs: str, recorded: int
    ) -> tuple[SimulatedRecord, VaccinationEvent]:
        """The wrong first version to send instead of the event, and its correction."""
        rng = self.rng
        wrong = SimulatedRecord(self._wrong_version(event), nhs, True, Trait.WRONG)
        fixed_at = recorded + rng.randint(1, 14) * _DAY + rng.randrange(_DAY)
        correction = replace(
            event,
            event_id=self._next_id(),
            kind=EventKind.CORRECTED,
            supersedes_event_id=event.event_id,
            recorded_at=timestamp(fixed_at),
        )
        self._emit(fixed_at, SimulatedRecord(correction, nhs, True, Trait.CORRECTION))
        return wrong, correction

    def _retracted_entry(self, event: VaccinationEvent, nhs: str, recorded: int) -> None:
        rng = self.rng
        entered = recorded + rng.randrange(60, 2 * _DAY)
        mistaken = replace(
            event,
            event_id=self._next_id(),
            recorded_at=timestamp(entered),
            source_system="National Immunisation Management Service",
        )
        retracted = entered + rng.randint(1, 10) * _DAY
        retraction = replace(
            mistaken,
            event_id=self._next_id(),
            kind=EventKind.ENTERED_IN_ERROR,
            supersedes_event_id=mistaken.event_id,
            recorded_at=timestamp(retracted),
        )
        # An early retraction overtakes the entry it retracts, which is delivered late.
        delivered = entered
        if rng.random() < self.rates.early_retraction_share:
            delivered = retracted + rng.randrange(3_600, 2 * _DAY)
        self._emit(delivered, SimulatedRecord(mistaken, nhs, True, Trait.MISTAKEN))
        self._emit(retracted, SimulatedRecord(retraction, nhs, True, Trait.RETRACTION))

    def _invalid(self, event: VaccinationEvent, nhs: str, recorded: int) -> None:
        rng = self.rng
        reason = rng.choices(self.invalid_reasons, self.invalid_weights)[0]
        ctx = FaultContext(rng, self._next_id(), self.foreign_msoa)
        broken, number = FAULT_MAKERS[reason](event, nhs, ctx)
        record = SimulatedRecord(broken, number, False, Trait.INVALID, reason)
        self._emit(recorded + rng.randrange(_DAY), record)

    def _wrong_version(self, event: VaccinationEvent) -> VaccinationEvent:
        rng = self.rng
        options = ["age"]
        if event.dose_number >= 2:
            options.append("dose")
        if event.vaccination_date - timedelta(days=5) >= model.PROGRAMME_START:
            options.append("date")
        match rng.choice(options):
            case "dose":
                return replace(event, dose_number=event.dose_number - 1)
            case "date":
                day = event.vaccination_date - timedelta(days=rng.randint(1, 5))
                return replace(event, vaccination_date=day)
            case _:
                age = event.age_years + rng.choice((-3, -2, -1, 1, 2, 3))
                return replace(event, age_years=min(max(age, 12), 110))


def _records(
    events: list[VaccinationEvent], nhs_numbers: list[str], traits: Iterable[Trait]
) -> list[SimulatedRecord]:
    """Valid records of the events, with their NHS numbers and traits (a column or a repeat)."""
    columns = {
        "event": events,
        "nhs_number": nhs_numbers,
        "valid": repeat(True),
        "trait": traits,
        "reason": repeat(None),
    }
    return build(SimulatedRecord, len(events), columns)


def _region_of(ltla: str) -> str | None:
    areas = load_areas()
    area = areas.ltla(ltla)
    utla = areas.get(area.parent_code) if area and area.parent_code else None
    return utla.parent_code if utla else None
