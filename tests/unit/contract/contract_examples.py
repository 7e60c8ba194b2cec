"""Shared examples for the contract tests: real area codes, a valid event, event strategies."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import strategies as st

from services.contract.events import EventKind, Sex, SiteType, VaccinationEvent
from services.contract.nhs_numbers import holds_nhs_number

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
# A valid event holds no NHS number in any field (one in eleven ten-digit runs would).
_ids = st.text(_ID_CHARS, min_size=1, max_size=128).filter(lambda s: not holds_nhs_number(s))
_texts = st.text(
    st.characters(categories=["L", "N", "P", "S"], include_characters=" "),
    min_size=1,
    max_size=200,
).filter(lambda s: bool(s.strip()) and not holds_nhs_number(s))
_snomed_codes = st.integers(100_000, 10**18 - 1).map(str).filter(lambda s: not holds_nhs_number(s))
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
        vaccine_snomed_code=draw(_snomed_codes),
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


def nhs_numbers() -> st.SearchStrategy[str]:
    """Valid NHS numbers: nine digits and their modulus 11 check digit."""
    weights = range(10, 1, -1)
    return (
        st.lists(st.integers(0, 9), min_size=9, max_size=9)
        .map(lambda d: [*d, (11 - sum(x * w for x, w in zip(d, weights, strict=True)) % 11) % 11])
        .filter(lambda d: d[9] != 10)
        .map(lambda d: "".join(map(str, d)))
    )


# Between the groups of a written number: what people and systems put there.
SEPARATORS = (
    " ",
    "-",
    ".",
    "/",
    " - ",
    "  ",
    "\t",
    "_",
    ":",
    ", ",
    "\u00a0",
    "\u2009",
    "\u2013",
    ")",
)
GLUE = (" ", ": ", "#", "(", "\n", " no. ", "=", "/")


@st.composite
def written_nhs_numbers(draw: st.DrawFn, numbers: st.SearchStrategy[str] | None = None) -> str:
    """A valid NHS number as someone might write it: whole, in 3-3-4 or any other groups."""
    number = draw(nhs_numbers() if numbers is None else numbers)
    cuts = draw(
        st.one_of(
            st.just([]),
            st.just([3, 6]),
            st.lists(st.integers(1, 9), max_size=9, unique=True).map(sorted),
        )
    )
    bounds = [0, *cuts, 10]
    groups = [number[a:b] for a, b in itertools.pairwise(bounds)]
    separator = draw(st.sampled_from(SEPARATORS))
    if draw(st.booleans()):
        return separator.join(groups)
    return "".join(g + draw(st.sampled_from(SEPARATORS)) for g in groups[:-1]) + groups[-1]


@st.composite
def texts_with_nhs_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(text, number): a valid NHS number written some way, alone or inside other text."""
    number = draw(nhs_numbers())
    written = draw(written_nhs_numbers(st.just(number)))
    words = st.text(st.characters(categories=["L"]), max_size=12)
    if draw(st.booleans()):
        return written, number
    before = draw(words) + draw(st.sampled_from(GLUE))
    after = draw(st.sampled_from(GLUE)) + draw(words)
    return before + written + after, number


def digits_of(text: bytes | str) -> str:
    """Every ASCII digit, in order, all else dropped: a number cannot hide in a new grouping."""
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    return "".join(c for c in text if c.isascii() and c.isdigit())
