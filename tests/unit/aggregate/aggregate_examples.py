"""Shared examples for the aggregator's unit tests: events, feeds and an in-memory apply."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from services.aggregate.counting import BatchCounter, ids_to_read
from services.aggregate.event_state import StateCodec, StoredState
from services.contract.events import EventKind, Sex, SiteType, VaccinationEvent
from services.reference.areas import load_areas
from services.reference.breakdowns import DEFAULT_BREAKDOWNS, select_breakdowns

LTLAS = ("E09000013", "E08000025")
BREAKDOWNS = select_breakdowns(DEFAULT_BREAKDOWNS)
Cell = tuple[str, int, str, str]  # ltla, dose, breakdown, "date|group"


def full_codec() -> StateCodec:
    """A codec whose dictionary holds every LTLA and MSOA, as a real generation's does."""
    areas = load_areas()
    ltlas = [a.code for a in areas.ltlas()]
    return StateCodec(
        ltla_codes=ltlas, msoa_codes=sorted(m for c in ltlas for m in areas.msoas_in(c))
    )


def make_event(event_id: str, **changes: object) -> VaccinationEvent:
    """A valid first dose in Hammersmith and Fulham with any fields changed."""
    values: dict[str, object] = {
        "event_id": event_id,
        "kind": EventKind.ADMINISTERED,
        "supersedes_event_id": None,
        "person_key": "ab" * 32,
        "vaccination_date": date(2021, 3, 1),
        "recorded_at": datetime(2021, 3, 1, 10, 30, tzinfo=UTC),
        "dose_number": 1,
        "vaccine_snomed_code": "39114911000001105",
        "vaccine_name": "COVID-19 Vaccine AstraZeneca",
        "ltla_code": LTLAS[0],
        "msoa_code": "E02000372",
        "age_years": 67,
        "sex": Sex.FEMALE,
        "ethnic_category": "N",
        "jcvi_group": 5,
        "imd_decile": 3,
        "clinically_extremely_vulnerable": False,
        "health_social_care_worker": False,
        "care_home_resident": False,
        "site_type": SiteType.GP,
        "source_system": "EMIS Web",
    }
    values.update(changes)
    return VaccinationEvent(**values)  # type: ignore[arg-type]


@st.composite
def cohort_changes(draw: st.DrawFn) -> dict[str, object]:
    """Cell-defining attributes of an event, drawn across their whole valid ranges."""
    ltla = draw(st.sampled_from(LTLAS))
    msoas = load_areas().msoas_in(ltla)
    return {
        "ltla_code": ltla,
        "msoa_code": draw(st.none() | st.sampled_from(msoas[:5])),
        "vaccination_date": date(2020, 12, 8) + timedelta(days=draw(st.integers(0, 700))),
        "dose_number": draw(st.integers(1, 10)),
        "age_years": draw(st.integers(0, 120)),
        "sex": draw(st.sampled_from(list(Sex))),
        "ethnic_category": draw(st.sampled_from([*"ABCDEFGHJKLMNPRSZ", "99"])),
        "jcvi_group": draw(st.none() | st.integers(1, 9)),
        "imd_decile": draw(st.none() | st.integers(1, 10)),
    }


@dataclass(frozen=True)
class Feed:
    """Distinct events (each superseded at most once) and the ones that must end up counted."""

    events: tuple[VaccinationEvent, ...]
    truth: tuple[VaccinationEvent, ...]


@st.composite
def feeds(draw: st.DrawFn) -> Feed:
    """Vaccinations, some corrected (in chains), some retracted, with their ground truth."""
    events: list[VaccinationEvent] = []
    truth: list[VaccinationEvent] = []
    for n in range(draw(st.integers(1, 12))):
        last = make_event(f"v{n}", **draw(cohort_changes()))
        events.append(last)
        for k in range(draw(st.integers(0, 2))):
            last = make_event(
                f"v{n}c{k}",
                kind=EventKind.CORRECTED,
                supersedes_event_id=last.event_id,
                **draw(cohort_changes()),
            )
            events.append(last)
        if draw(st.booleans()):
            events.append(
                replace(
                    last,
                    event_id=f"v{n}x",
                    kind=EventKind.ENTERED_IN_ERROR,
                    supersedes_event_id=last.event_id,
                )
            )
        else:
            truth.append(last)
    return Feed(tuple(events), tuple(truth))


def cells_of(events: Iterable[VaccinationEvent]) -> Counter[Cell]:
    """The ground-truth counts of events that each count once."""
    counts: Counter[Cell] = Counter()
    for e in events:
        for b in BREAKDOWNS:
            counts[
                (e.ltla_code, e.dose_number, b.name, f"{e.vaccination_date}|{b.group_of(e)}")
            ] += 1
    return counts


class MemoryStore:
    """Applies batch outcomes as the Redis script does (compare-and-set, no negatives)."""

    def __init__(self, counter: BatchCounter) -> None:
        self.counter = counter
        self.states: dict[str, StoredState] = {}
        self.counts: Counter[Cell] = Counter()
        self.stats: Counter[str] = Counter()

    def run(self, batch: Sequence[VaccinationEvent]) -> None:
        """Count one batch and apply it; AssertionError on a stale write or a negative cell."""
        stored = {i: self.states.get(i) for i in ids_to_read(batch)}
        outcome = self.counter.count(batch, stored)
        for event_id, (before, after) in outcome.writes.items():
            assert self.states.get(event_id) == before
            self.states[event_id] = after
        for (ltla, dose, name), fields in outcome.increments.items():
            for fld, delta in fields.items():
                cell = (ltla, dose, name, fld)
                self.counts[cell] += delta
                assert self.counts[cell] >= 0, f"{cell} went negative"
                if not self.counts[cell]:
                    del self.counts[cell]
        self.stats.update(outcome.stats)
