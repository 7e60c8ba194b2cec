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

import bisect
import functools
import gc
import hashlib
import hmac
import operator
import random
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from services.contract.events import EventKind, SiteType, VaccinationEvent
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason
from services.ingest import rollout_model as model
from services.ingest.expected_counts import ExpectedCounts
from services.ingest.simulated_faults import (
    FAULT_MAKERS,
    NHS_NUMBER_ONLY,
    PERSON_KEY_ONLY,
    FaultContext,
)
from services.ingest.simulated_population import Resident, ResidentSampler
from services.reference.areas import load_areas
from services.reference.errors import UnknownAreaError

NW_LONDON: tuple[str, ...] = (
    "E09000005",  # Brent
    "E09000009",  # Ealing
    "E09000013",  # Hammersmith and Fulham
    "E09000015",  # Harrow
    "E09000017",  # Hillingdon
    "E09000018",  # Hounslow
    "E09000020",  # Kensington and Chelsea
    "E09000033",  # Westminster
)
# Not a secret: it only makes simulated person keys reproducible.
DEFAULT_PSEUDONYM_KEY = b"vaxshare-simulator-key-not-secret"
DEFAULT_INVALID_RATES: Mapping[Reason, float] = MappingProxyType(
    dict.fromkeys(FAULT_MAKERS, 0.0003)
)
LONDON = "E12000007"
_MAX_AGE = 120
_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_BOOSTERS_START = model.BOOSTERS_START.toordinal()
_GROUP_ELIGIBLE = {group: day.toordinal() for group, day in model.GROUP_ELIGIBILITY.items()}
_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SITES = (SiteType.GP, SiteType.VACCINATION_CENTRE, SiteType.PHARMACY, SiteType.HOSPITAL_HUB)
_SITE_WEIGHTS = (0.52, 0.78, 0.95)
_SOURCE = {
    SiteType.GP: "EMIS Web",
    SiteType.VACCINATION_CENTRE: "National Immunisation Vaccination System",
    SiteType.PHARMACY: "Pinnacle Outcomes4Health",
    SiteType.HOSPITAL_HUB: "National Immunisation Vaccination System",
    SiteType.CARE_HOME: "TPP SystmOne",
    SiteType.HOUSEBOUND: "TPP SystmOne",
}


@dataclass(frozen=True)
class TraitRates:
    """How often each data-quality trait occurs, per valid administration."""

    duplicate: float = 0.01  # resubmitted with the same event id (any valid record)
    correction: float = 0.005  # first sent wrong, then CORRECTED
    retraction: float = 0.003  # entered twice, the extra entry then ENTERED_IN_ERROR
    early_retraction_share: float = 0.3  # of retractions, emitted before what they retract
    late: float = 0.03  # recorded 2-21 days after the vaccination
    invalid: Mapping[Reason, float] = field(default_factory=lambda: dict(DEFAULT_INVALID_RATES))


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate; the same config always gives the same feed."""

    areas: tuple[str, ...] = NW_LONDON
    scale: float = 0.01
    start: date = model.PROGRAMME_START
    end: date = date(2021, 6, 30)
    seed: int = 2021
    rates: TraitRates = field(default_factory=TraitRates)
    pseudonym_key: bytes = DEFAULT_PSEUDONYM_KEY
    # True: records are published with NHS numbers (HTTP, files); False: with person keys.
    with_nhs_numbers: bool = True

    def __post_init__(self) -> None:
        for code in self.areas:
            if load_areas().ltla(code) is None:
                raise UnknownAreaError(f"{code} is not a current LTLA code")
        if not 0 < self.scale <= 1:
            raise ValueError("scale must be in (0, 1]")
        if self.end < self.start:
            raise ValueError("end is before start")


class Trait(StrEnum):
    """What part a record plays in the feed."""

    ORIGINAL = "original"
    LATE = "late"
    DUPLICATE = "duplicate"
    WRONG = "wrong"  # an original a later correction fixes
    CORRECTION = "correction"
    MISTAKEN = "mistaken"  # a second entry of the same vaccination, later retracted
    RETRACTION = "retraction"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class SimulatedRecord:
    """One record of the feed with the simulator's knowledge of it."""

    event: VaccinationEvent  # person_key is empty when the NHS number is invalid
    nhs_number: str
    valid: bool
    trait: Trait
    reason: Reason | None = None


class Simulator:
    """Simulates the feed once, then serves it and its ground truth."""

    def __init__(self, config: SimulationConfig | None = None) -> None:
        self.config = config or SimulationConfig()

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

    @functools.cache  # noqa: B019 - one simulator per feed; it lives as long as its output
    def _run(self) -> tuple[tuple[SimulatedRecord, ...], tuple[VaccinationEvent, ...]]:
        out: list[tuple[int, int, SimulatedRecord]] = []
        truth: list[VaccinationEvent] = []
        # Millions of small objects and no cycles: the cyclic collector only slows this down.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            run = _Run(self.config, out, truth)
            for ltla in sorted(set(self.config.areas)):
                run.simulate_area(ltla)
            out.sort(key=lambda item: (item[0], item[1]))
        finally:
            if was_enabled:
                gc.enable()
        return tuple(record for _, _, record in out), tuple(truth)


class _Run:
    """The mutable state of one simulation: random stream, counters and output."""

    def __init__(
        self,
        config: SimulationConfig,
        out: list[tuple[int, int, SimulatedRecord]],
        truth: list[VaccinationEvent],
    ) -> None:
        self.config = config
        self.rates = config.rates
        self.out = out
        self.truth = truth
        # The Pseudonymiser's HMAC, prepared once: its person_key() re-checks every number.
        Pseudonymiser(config.pseudonym_key)  # refuses a key that is too short
        self.hasher = hmac.new(config.pseudonym_key, digestmod=hashlib.sha256)
        self.start = config.start.toordinal()
        self.end = config.end.toordinal()
        self.uptake_by_age: list[float] = []
        self.eligible_by_age: list[int | None] = []
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
        self.seq = 0
        self.person_counter = 0
        self.nhs_offset = zlib.crc32(f"nhs:{config.seed}".encode()) % 100_000_000
        self.rng = random.Random()
        self.ltla = ""
        self.event_counter = 0

    def simulate_area(self, ltla: str) -> None:
        """Simulate everyone in one LTLA who could be vaccinated."""
        self.rng = random.Random(f"{self.config.seed}:{ltla}")
        self.ltla = ltla
        self.event_counter = 0
        sampler = ResidentSampler(ltla)
        n = round(sampler.total * self.config.scale)
        london = model.LONDON_FACTOR if _region_of(ltla) == LONDON else 1.0
        # Per-age tables keep the per-person work to look-ups.
        self.uptake_by_age = [model.base_uptake(age) * london for age in range(_MAX_AGE + 1)]
        self.eligible_by_age = [
            _ordinal(model.eligible_from(age, None)) for age in range(_MAX_AGE + 1)
        ]
        for person in sampler.sample(self.rng, n, min_age=12):
            doses = self._doses(person)
            if doses:
                nhs = self._nhs_number()
                hasher = self.hasher.copy()
                hasher.update(nhs.encode())
                key = hasher.hexdigest()
                for dose, day in doses:
                    self._vaccination(person, nhs, key, dose, day)

    def _doses(self, person: Resident) -> list[tuple[int, date]]:
        rand = self.rng.random
        age = person.age
        factor = _factor(person.true_ethnic_code, person.imd_decile)
        if rand() >= min(0.99, self.uptake_by_age[age] * factor):
            return []
        eligible = self.eligible_by_age[age]
        group = person.jcvi_group
        if group in _GROUP_ELIGIBLE:
            eligible = min(eligible or _GROUP_ELIGIBLE[group], _GROUP_ELIGIBLE[group])
        if eligible is None or eligible > self.end:
            return []
        mean_delay = (8 if age >= 70 else 14) * (1 + 3 * (1 - factor))
        first = eligible + int(self.rng.expovariate(1 / mean_delay))
        doses = [(1, first)]
        # Under-16s had one dose in 2021.
        if age >= 16 and rand() < (0.92 if age < 30 else 0.96):
            second = first + 56 + int(rand() * 29)  # 8 to 12 weeks
            doses.append((2, second))
            if (age >= 50 or (group is not None and group <= 6)) and rand() < 0.9 * factor:
                booster = max(_BOOSTERS_START, second + 182)
                doses.append((3, booster + int(self.rng.expovariate(1 / mean_delay))))
        start, end = self.start, self.end
        return [(dose, date.fromordinal(day)) for dose, day in doses if start <= day <= end]

    def _next_id(self) -> str:
        self.event_counter += 1
        return f"SIM{self.config.seed}-{self.ltla}-{self.event_counter:07d}"

    def _nhs_number(self) -> str:
        # A permutation of 900 000 000x-999 999 999x, a range never issued in the UK (English
        # numbers start 4-7): unique within a run and never a real person's number.
        while True:
            self.person_counter += 1
            body = f"9{(self.person_counter * 7919 + self.nhs_offset) % 100_000_000:08d}"
            total = sum(map(operator.mul, map(int, body), _NHS_WEIGHTS))
            check = (11 - total % 11) % 11
            if check != 10:
                return body + str(check)

    def _emit(self, secs: int, record: SimulatedRecord) -> None:
        self.seq += 1
        self.out.append((secs, self.seq, record))
        if record.valid and self.rng.random() < self.rates.duplicate:
            self.seq += 1
            copy = replace(record, trait=Trait.DUPLICATE)
            self.out.append((secs + self.rng.randint(60, 3 * _DAY), self.seq, copy))

    def _vaccination(self, person: Resident, nhs: str, key: str, dose: int, day: date) -> None:
        rng = self.rng
        late = rng.random() < self.rates.late
        given = (day.toordinal() - _EPOCH_ORDINAL) * _DAY + 28_800 + int(rng.random() * 43_200)
        lag = (2 + int(rng.random() * 20)) * _DAY if late else int(rng.random() * 10_800)
        recorded = given + lag
        event = self._event(person, key, dose, day, recorded)
        trait = Trait.LATE if late else Trait.ORIGINAL
        roll = rng.random()
        if roll < self.rates.correction:
            wrong = self._wrong_version(event)
            self._emit(recorded, SimulatedRecord(wrong, nhs, True, Trait.WRONG))
            fixed_at = recorded + rng.randint(1, 14) * _DAY + rng.randrange(_DAY)
            correction = replace(
                event,
                event_id=self._next_id(),
                kind=EventKind.CORRECTED,
                supersedes_event_id=event.event_id,
                recorded_at=_timestamp(fixed_at),
            )
            self._emit(fixed_at, SimulatedRecord(correction, nhs, True, Trait.CORRECTION))
            self.truth.append(correction)
        else:
            self._emit(recorded, SimulatedRecord(event, nhs, True, trait))
            self.truth.append(event)
            if roll < self.rates.correction + self.rates.retraction:
                self._retracted_entry(event, nhs, recorded)
        if self.invalid_total and rng.random() < self.invalid_total:
            reason = rng.choices(self.invalid_reasons, self.invalid_weights)[0]
            ctx = FaultContext(rng, self._next_id(), self.foreign_msoa)
            broken, number = FAULT_MAKERS[reason](event, nhs, ctx)
            record = SimulatedRecord(broken, number, False, Trait.INVALID, reason)
            self._emit(recorded + rng.randrange(_DAY), record)

    def _retracted_entry(self, event: VaccinationEvent, nhs: str, recorded: int) -> None:
        rng = self.rng
        entered = recorded + rng.randrange(60, 2 * _DAY)
        mistaken = replace(
            event,
            event_id=self._next_id(),
            recorded_at=_timestamp(entered),
            source_system="National Immunisation Management Service",
        )
        retracted = entered + rng.randint(1, 10) * _DAY
        retraction = replace(
            mistaken,
            event_id=self._next_id(),
            kind=EventKind.ENTERED_IN_ERROR,
            supersedes_event_id=mistaken.event_id,
            recorded_at=_timestamp(retracted),
        )
        # An early retraction overtakes the entry it retracts, which is delivered late.
        delivered = entered
        if rng.random() < self.rates.early_retraction_share:
            delivered = retracted + rng.randrange(3_600, 2 * _DAY)
        self._emit(delivered, SimulatedRecord(mistaken, nhs, True, Trait.MISTAKEN))
        self._emit(retracted, SimulatedRecord(retraction, nhs, True, Trait.RETRACTION))

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

    def _event(
        self, person: Resident, key: str, dose: int, day: date, recorded: int
    ) -> VaccinationEvent:
        rng = self.rng
        if person.care_home_resident:
            site = SiteType.CARE_HOME
        elif person.age >= 85 and rng.random() < 0.05:
            site = SiteType.HOUSEBOUND
        else:
            site = _SITES[bisect.bisect(_SITE_WEIGHTS, rng.random())]
        products = model.BOOSTER_PRODUCTS if dose == 3 else _products(person.age, day)
        product = products[int(rng.random() * len(products))]
        return VaccinationEvent(
            event_id=self._next_id(),
            kind=EventKind.ADMINISTERED,
            supersedes_event_id=None,
            person_key=key,
            vaccination_date=day,
            recorded_at=_timestamp(recorded),
            dose_number=dose,
            vaccine_snomed_code=product[0],
            vaccine_name=product[1],
            ltla_code=self.ltla,
            msoa_code=person.msoa_code,
            age_years=person.age,
            sex=person.sex,
            ethnic_category=person.ethnic_code,
            jcvi_group=person.jcvi_group,
            imd_decile=person.imd_decile,
            clinically_extremely_vulnerable=person.clinically_extremely_vulnerable,
            health_social_care_worker=person.health_social_care_worker,
            care_home_resident=person.care_home_resident,
            site_type=site,
            source_system=_SOURCE[site],
            vaccination_site_ods_code=_ods_code(site, person.msoa_code, self.ltla),
        )


def _region_of(ltla: str) -> str | None:
    areas = load_areas()
    area = areas.ltla(ltla)
    utla = areas.get(area.parent_code) if area and area.parent_code else None
    return utla.parent_code if utla else None


def _ordinal(day: date | None) -> int | None:
    return day.toordinal() if day else None


@functools.cache
def _factor(ethnic_code: str, imd_decile: int | None) -> float:
    return model.ETHNIC_FACTOR[ethnic_code] * model.imd_factor(imd_decile)


def _timestamp(secs: int) -> datetime:
    return datetime.fromtimestamp(secs, UTC)


@functools.cache
def _products(age: int, day: date) -> tuple[tuple[str, str], ...]:
    return model.first_dose_products(age, day)


@functools.cache
def _ods_code(site: SiteType, msoa: str | None, ltla: str) -> str:
    # Synthetic but well-formed ODS codes: one site of each type per neighbourhood.
    number = zlib.crc32(f"{site}:{msoa or ltla}".encode()) % 1000
    prefix = {SiteType.GP: "E8", SiteType.PHARMACY: "FQ", SiteType.HOSPITAL_HUB: "RY"}
    return f"{prefix.get(site, 'Y0')}{number:04d}"
