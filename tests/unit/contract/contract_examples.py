"""Shared examples for the contract tests: real area codes, a valid event, event strategies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import strategies as st

from services.contract.events import EventKind, Sex, SiteType, VaccinationEvent

TODAY = date(2022, 6, 1)
PROGRAMME_START = date(2020, 12, 8)

# Rows from the reference data: ltla_lookup_2021.csv, msoa11_to_ltla_2021.csv and
# ltla_legacy_codes_to_2021.csv (Aylesbury Vale became part of Buckinghamshire in 2020).
HAMMERSMITH = "E09000013"
BUCKINGHAMSHIRE = "E06000060"
BIRMINGHAM = "E08000025"
AYLESBURY_VALE_LEGACY = "E07000004"
MSOAS = {
    "E02000372": HAMMERSMITH,
    "E02000373": HAMMERSMITH,
    "E02003652": BUCKINGHAMSHIRE,
    "E02003653": BUCKINGHAMSHIRE,
    "E02001827": BIRMINGHAM,
}
VALID_NHS_NUMBERS = ("9434765919", "9434765870")
PSEUDONYM_KEY = b"contract-tests-key-0123456789"


@dataclass(frozen=True)
class TableAreas:
    """An AreaLookup over a few real rows, as the reference registry would answer."""

    current: frozenset[str] = frozenset({HAMMERSMITH, BUCKINGHAMSHIRE, BIRMINGHAM})
    legacy: dict[str, str] = field(default_factory=lambda: {AYLESBURY_VALE_LEGACY: BUCKINGHAMSHIRE})
    msoas: dict[str, str] = field(default_factory=lambda: dict(MSOAS))

    def resolve_ltla(self, code: str) -> str | None:
        return code if code in self.current else self.legacy.get(code)

    def msoa_ltla(self, msoa_code: str) -> str | None:
        return self.msoas.get(msoa_code)


AREAS = TableAreas()


def sample_event(**changes: object) -> VaccinationEvent:
    """A valid first dose in Hammersmith and Fulham, with any fields changed."""
    values: dict[str, object] = {
        "event_id": "emis-0001",
        "kind": EventKind.ADMINISTERED,
        "supersedes_event_id": None,
        "person_key": "ab" * 32,
        "vaccination_date": date(2021, 3, 1),
        "recorded_at": datetime(2021, 3, 1, 10, 30, tzinfo=UTC),
        "dose_number": 1,
        "vaccine_snomed_code": "39114911000001105",
        "vaccine_name": "COVID-19 Vaccine AstraZeneca",
        "ltla_code": HAMMERSMITH,
        "msoa_code": "E02000372",
        "age_years": 54,
        "sex": Sex.FEMALE,
        "ethnic_category": "N",
        "jcvi_group": 6,
        "imd_decile": 2,
        "clinically_extremely_vulnerable": False,
        "health_social_care_worker": False,
        "care_home_resident": False,
        "site_type": SiteType.GP,
        "source_system": "EMIS Web",
        "vaccination_site_ods_code": "E85001",
    }
    values.update(changes)
    return VaccinationEvent(**values)  # type: ignore[arg-type]


_ID_CHARS = st.characters(min_codepoint=33, max_codepoint=126)
_ids = st.text(_ID_CHARS, min_size=1, max_size=128)
_texts = st.text(
    st.characters(categories=["L", "N", "P", "S"], include_characters=" "),
    min_size=1,
    max_size=200,
).filter(lambda s: bool(s.strip()))
_places = st.sampled_from(
    [(ltla, msoa) for msoa, ltla in MSOAS.items()]
    + [(ltla, None) for ltla in AREAS.current]
    + [(AYLESBURY_VALE_LEGACY, "E02003652"), (AYLESBURY_VALE_LEGACY, None)]
)


@st.composite
def valid_events(draw: st.DrawFn) -> VaccinationEvent:
    """Any event that passes validation on TODAY against AREAS (legacy codes included)."""
    event_id = draw(_ids)
    kind = draw(st.sampled_from(EventKind))
    supersedes = None
    if kind is not EventKind.ADMINISTERED:
        supersedes = draw(_ids.filter(lambda s: s != event_id))
    given = draw(st.dates(PROGRAMME_START, TODAY))
    start = datetime.combine(given, time(), UTC)
    latest = datetime.combine(TODAY, time(), UTC) + timedelta(days=1)
    millis = draw(st.integers(0, int((latest - start).total_seconds() * 1000)))
    ltla, msoa = draw(_places)
    return VaccinationEvent(
        event_id=event_id,
        kind=kind,
        supersedes_event_id=supersedes,
        person_key=draw(st.binary(min_size=32, max_size=32)).hex(),
        vaccination_date=given,
        recorded_at=start + timedelta(milliseconds=millis),
        dose_number=draw(st.integers(1, 10)),
        vaccine_snomed_code=str(draw(st.integers(100_000, 10**18 - 1))),
        vaccine_name=draw(_texts),
        ltla_code=ltla,
        msoa_code=msoa,
        age_years=draw(st.integers(0, 120)),
        sex=draw(st.sampled_from(Sex)),
        ethnic_category=draw(st.sampled_from([*"ABCDEFGHJKLMNPRSZ", "99"])),
        jcvi_group=draw(st.none() | st.integers(1, 9)),
        imd_decile=draw(st.none() | st.integers(1, 10)),
        clinically_extremely_vulnerable=draw(st.booleans()),
        health_social_care_worker=draw(st.booleans()),
        care_home_resident=draw(st.booleans()),
        site_type=draw(st.sampled_from(SiteType)),
        source_system=draw(_texts),
        vaccination_site_ods_code=draw(st.none() | st.sampled_from(["E85001", "FA123", "RJ122"])),
    )
