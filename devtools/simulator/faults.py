"""Faults the simulator mixes into its feed: invalid records and wrong first versions.

Each invalid-record maker breaks exactly one rule of `services.contract.validation`, so the
record is refused with that reason and no other (validation reports the first rule broken, and
the rest of the record stays valid). A wrong first version is valid but mistaken, and a later
correction fixes it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType

from devtools.simulator.rollout import PROGRAMME_START
from services.contract.events import EventKind, VaccinationEvent
from services.contract.reasons import Reason


@dataclass(frozen=True, slots=True)
class FaultContext:
    """What a fault maker may use besides the event it breaks."""

    rng: random.Random
    new_event_id: str
    foreign_msoa: str  # an MSOA that lies in none of the simulated areas


_EIGHTY_YEARS = timedelta(days=80 * 365)

Broken = tuple[VaccinationEvent, str]
Maker = Callable[[VaccinationEvent, str, FaultContext], Broken]


def _wrong_check_digit(nhs_number: str) -> str:
    return nhs_number[:9] + str((int(nhs_number[9]) + 1) % 10)


def _fields(**changes: object) -> Maker:
    def make(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
        return replace(event, event_id=ctx.new_event_id, **changes), nhs  # type: ignore[arg-type]

    return make


def _nhs_number(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    # No pseudonym exists for a number that is not valid: the person key stays empty.
    return replace(event, event_id=ctx.new_event_id, person_key=""), _wrong_check_digit(nhs)


def _event_id_too_long(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    return replace(event, event_id=(ctx.new_event_id + "-") * 10), nhs


def _supersedes_self(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    kind = EventKind.CORRECTED
    return replace(
        event, event_id=ctx.new_event_id, kind=kind, supersedes_event_id=ctx.new_event_id
    ), nhs


def _unexpected_supersedes(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    return replace(event, event_id=ctx.new_event_id, supersedes_event_id=event.event_id), nhs


def _foreign_msoa(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    return replace(event, event_id=ctx.new_event_id, msoa_code=ctx.foreign_msoa), nhs


def _before_programme(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    day = date(2020, 12, 7) - timedelta(days=ctx.rng.randint(0, 60))
    return replace(event, event_id=ctx.new_event_id, vaccination_date=day), nhs


def _date_in_future(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    # A year typed wrongly: far enough ahead to be in the future whenever the feed is replayed.
    day = event.vaccination_date + _EIGHTY_YEARS
    return replace(event, event_id=ctx.new_event_id, vaccination_date=day), nhs


def _recorded_before(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    given = datetime.combine(event.vaccination_date, time(12), UTC)
    recorded = given - timedelta(days=ctx.rng.randint(2, 30))
    return replace(event, event_id=ctx.new_event_id, recorded_at=recorded), nhs


def _recorded_in_future(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    recorded = event.recorded_at + _EIGHTY_YEARS
    return replace(event, event_id=ctx.new_event_id, recorded_at=recorded), nhs


def _dose(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    dose = ctx.rng.choice((0, 11, 21))
    return replace(event, event_id=ctx.new_event_id, dose_number=dose), nhs


def _age(event: VaccinationEvent, nhs: str, ctx: FaultContext) -> Broken:
    age = ctx.rng.choice((-1, 121, 150, 999))
    return replace(event, event_id=ctx.new_event_id, age_years=age), nhs


FAULT_MAKERS: Mapping[Reason, Maker] = MappingProxyType(
    {
        Reason.INVALID_NHS_NUMBER: _nhs_number,
        Reason.INVALID_PERSON_KEY: _fields(person_key="PSEUDONYM-MISSING"),
        Reason.EMPTY_EVENT_ID: lambda e, nhs, ctx: (replace(e, event_id=""), nhs),
        Reason.EVENT_ID_TOO_LONG: _event_id_too_long,
        Reason.MISSING_SUPERSEDES: _fields(kind=EventKind.CORRECTED, supersedes_event_id=None),
        Reason.UNEXPECTED_SUPERSEDES: _unexpected_supersedes,
        Reason.SUPERSEDES_SELF: _supersedes_self,
        Reason.UNKNOWN_ETHNIC_CODE: _fields(ethnic_category="Q"),
        Reason.INVALID_SNOMED_CODE: _fields(vaccine_snomed_code="PFIZER-1"),
        Reason.INVALID_ODS_CODE: _fields(vaccination_site_ods_code="e84-001"),
        Reason.UNKNOWN_AREA: _fields(ltla_code="E09000099", msoa_code=None),
        Reason.UNKNOWN_MSOA: _fields(msoa_code="E02999999"),
        Reason.MSOA_NOT_IN_AREA: _foreign_msoa,
        Reason.DATE_BEFORE_PROGRAMME: _before_programme,
        Reason.DATE_IN_FUTURE: _date_in_future,
        Reason.RECORDED_BEFORE_VACCINATED: _recorded_before,
        Reason.RECORDED_IN_FUTURE: _recorded_in_future,
        Reason.DOSE_OUT_OF_RANGE: _dose,
        Reason.AGE_OUT_OF_RANGE: _age,
        Reason.JCVI_GROUP_OUT_OF_RANGE: _fields(jcvi_group=12),
        Reason.IMD_DECILE_OUT_OF_RANGE: _fields(imd_decile=11),
    }
)

# Reasons that only exist on one input path: NHS numbers arrive only over HTTP and in files,
# person keys only on the direct Kafka path.
NHS_NUMBER_ONLY = frozenset({Reason.INVALID_NHS_NUMBER})
PERSON_KEY_ONLY = frozenset({Reason.INVALID_PERSON_KEY})


def wrong_version(event: VaccinationEvent, rng: random.Random) -> VaccinationEvent:
    """The event with one plausible mistake: the age, the dose number or the date."""
    options = ["age"]
    if event.dose_number >= 2:
        options.append("dose")
    if event.vaccination_date - timedelta(days=5) >= PROGRAMME_START:
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
