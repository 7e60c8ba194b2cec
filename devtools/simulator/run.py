"""One run of the simulator: residents, their doses, and the feed's data-quality traits.

Everything every dose needs is drawn for a whole LTLA at once (numpy, one random stream per
LTLA). The doses of all LTLAs are then put in recorded order and kept as columns
(`SimulatedFeed`): writers render them from there, and objects are only made when asked.
Which records get a trait is drawn for all doses at once too; the rare records that follow
(corrections, retractions, invalid copies and their resubmissions) are then made one by one.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace

import numpy as np

from devtools.simulator import rollout as model
from devtools.simulator.config import SimulatedRecord, SimulationConfig, Trait
from devtools.simulator.events import Administrations, administer, id_format, timestamp
from devtools.simulator.faults import (
    FAULT_MAKERS,
    NHS_NUMBER_ONLY,
    PERSON_KEY_ONLY,
    FaultContext,
    wrong_version,
)
from devtools.simulator.feed import SimulatedFeed
from devtools.simulator.population import Identities, Ints, Objects
from devtools.simulator.residents import ResidentSampler
from services.contract.events import EventKind, VaccinationEvent
from services.reference.areas import load_areas

LONDON = "E12000007"
_DAY = 86_400


class SimulationRun:
    """The state of one simulation: random streams, counters and output."""

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        self.rates = config.rates
        self.areas = tuple(sorted(set(config.areas)))
        self.records: list[SimulatedRecord] = []
        self.corrections: dict[int, VaccinationEvent] = {}  # by row of the administrations
        self._extra_times: list[int] = []
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
        self.rng = random.Random(f"{config.seed}:feed")
        self.id_prefixes = tuple(f"SIM{config.seed}-{ltla}-" for ltla in self.areas)
        self.id_formats = tuple(map(id_format, self.id_prefixes))
        self.event_counters = [0] * len(self.areas)

    def run(self) -> SimulatedFeed:
        """All records in delivery order, with the final event of every vaccination."""
        parts, drawn = [], 0
        for area, ltla in enumerate(self.areas):
            part, residents = self._administer(area, ltla, first_person=drawn)
            parts.append(part)
            drawn += residents
        given = Administrations.concatenate(parts)
        del parts
        given = given.take(np.argsort(given.recorded, kind="stable"))
        people, numbers = self._identify(given.person)
        feed = SimulatedFeed(
            given=given,
            areas=self.areas,
            id_prefixes=self.id_prefixes,
            people=people,
            numbers=numbers,
            identities=self.identities,
            objects=(),
            sources=np.zeros(0, dtype=np.int64),
            corrections=self.corrections,
        )
        sources = self._add_traits(feed)
        return replace(feed, objects=tuple(self.records), sources=sources)

    def _administer(
        self, area: int, ltla: str, *, first_person: int
    ) -> tuple[Administrations, int]:
        """The doses given in one LTLA in recorded order, and how many residents were drawn."""
        config = self.config
        draws = _generator(f"{config.seed}:{ltla}")
        sampler = ResidentSampler(ltla)
        residents = sampler.sample(draws, config.scale, min_age=12)
        london = _region_of(ltla) == LONDON
        doses = model.doses(residents, draws, london=london, start=config.start, end=config.end)
        self.event_counters[area] = len(doses.day)
        administrations = administer(
            residents,
            doses,
            draws,
            area=area,
            ltla_code=ltla,
            msoa_codes=sampler.msoa_codes,
            late_rate=self.rates.late,
            first_person=first_person,
        )
        return administrations, len(residents)

    def _identify(self, person: Ints) -> tuple[Ints, Objects]:
        """Each row's person numbered by first recorded dose, and each person's NHS number."""
        distinct, first_row, which = np.unique(person, return_index=True, return_inverse=True)
        rank = np.empty(len(distinct), dtype=np.int64)
        rank[np.argsort(first_row)] = np.arange(len(distinct))
        numbers = self.identities.nhs_numbers(len(distinct))
        return rank[which], np.array(numbers, dtype=object)

    def _add_traits(self, feed: SimulatedFeed) -> Ints:
        """Corrections, retractions, invalid copies and resubmissions; the delivery order."""
        rates, given, nhs = self.rates, feed.given, feed.nhs_numbers
        u = _generator(f"{self.config.seed}:feed").random((4, len(given)))
        corrected = u[0] < rates.correction
        retracted = ~corrected & (u[0] < rates.correction + rates.retraction)
        invalid = u[1] < self.invalid_total
        rows = np.flatnonzero(corrected | retracted | invalid)
        wrong: dict[int, SimulatedRecord] = {}
        for i, event in zip(rows.tolist(), feed.events_of(rows), strict=True):
            area, recorded = int(given.area[i]), int(given.recorded[i])
            if corrected[i]:
                wrong[i], self.corrections[i] = self._corrected(area, event, nhs[i], recorded)
            elif retracted[i]:
                self._retracted_entry(area, event, nhs[i], recorded)
            if invalid[i]:
                self._invalid(area, event, nhs[i], recorded)
        # Any valid record may be resubmitted; those made above already were, one by one.
        again = np.flatnonzero(u[2] < rates.duplicate)
        delay = 60 + (u[3][again] * (3 * _DAY - 59)).astype(np.int64)
        sent, resent = np.arange(len(given)), again + len(given)
        # Rows first sent wrong are objects: the wrong version, and any resubmission of it.
        for part, of_row in ((sent, sent), (resent, again)):
            for j in np.flatnonzero(np.isin(of_row, list(wrong))).tolist():
                record = wrong[int(of_row[j])]
                if part is resent:
                    record = replace(record, trait=Trait.DUPLICATE)
                part[j] = -1 - len(self.records)
                self.records.append(record)
        extras = -1 - np.arange(len(self._extra_times), dtype=np.int64)
        delivered = np.concatenate(
            [
                np.array(self._extra_times, dtype=np.int64),
                given.recorded,
                given.recorded[again] + delay,
            ]
        )
        return np.concatenate([extras, sent, resent])[np.argsort(delivered, kind="stable")]

    def _next_id(self, area: int) -> str:
        self.event_counters[area] += 1
        return self.id_formats[area] % self.event_counters[area]

    def _emit(self, secs: int, record: SimulatedRecord) -> None:
        self.records.append(record)
        self._extra_times.append(secs)
        if record.valid and self.rng.random() < self.rates.duplicate:
            self.records.append(replace(record, trait=Trait.DUPLICATE))
            self._extra_times.append(secs + self.rng.randint(60, 3 * _DAY))

    def _corrected(
        self, area: int, event: VaccinationEvent, nhs: str, recorded: int
    ) -> tuple[SimulatedRecord, VaccinationEvent]:
        """The wrong first version to send instead of the event, and its correction."""
        rng = self.rng
        wrong = SimulatedRecord(wrong_version(event, rng), nhs, True, Trait.WRONG)
        fixed_at = recorded + rng.randint(1, 14) * _DAY + rng.randrange(_DAY)
        correction = replace(
            event,
            event_id=self._next_id(area),
            kind=EventKind.CORRECTED,
            supersedes_event_id=event.event_id,
            recorded_at=timestamp(fixed_at),
        )
        self._emit(fixed_at, SimulatedRecord(correction, nhs, True, Trait.CORRECTION))
        return wrong, correction

    def _retracted_entry(self, area: int, event: VaccinationEvent, nhs: str, recorded: int) -> None:
        rng = self.rng
        entered = recorded + rng.randrange(60, 2 * _DAY)
        mistaken = replace(
            event,
            event_id=self._next_id(area),
            recorded_at=timestamp(entered),
            source_system="National Immunisation Management Service",
        )
        retracted = entered + rng.randint(1, 10) * _DAY
        retraction = replace(
            mistaken,
            event_id=self._next_id(area),
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

    def _invalid(self, area: int, event: VaccinationEvent, nhs: str, recorded: int) -> None:
        rng = self.rng
        reason = rng.choices(self.invalid_reasons, self.invalid_weights)[0]
        ctx = FaultContext(rng, self._next_id(area), self.foreign_msoa)
        broken, number = FAULT_MAKERS[reason](event, nhs, ctx)
        record = SimulatedRecord(broken, number, False, Trait.INVALID, reason)
        self._emit(recorded + rng.randrange(_DAY), record)


def _generator(stream: str) -> np.random.Generator:
    """A numpy random generator seeded from a text, the same on every platform."""
    return np.random.default_rng(int.from_bytes(hashlib.sha256(stream.encode()).digest()))


def _region_of(ltla: str) -> str | None:
    areas = load_areas()
    area = areas.ltla(ltla)
    utla = areas.get(area.parent_code) if area and area.parent_code else None
    return utla.parent_code if utla else None
