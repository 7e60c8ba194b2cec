"""The administration events simulated doses are published as, built a column at a time.

A full-scale feed has over a million events. Building each through the frozen dataclass's
``__init__`` (one ``object.__setattr__`` per field) would dominate the run, so instances are
allocated with ``object.__new__`` and each slot is filled for many of them at once by mapping
its descriptor over a column, as the contract's Avro codec does for single events.
"""

from __future__ import annotations

import functools
import zlib
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from itertools import repeat
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from devtools.simulator import rollout as model
from devtools.simulator.population import Bools, Ints, Objects, Residents
from devtools.simulator.rollout import Doses
from services.contract.events import EventKind, SiteType, VaccinationEvent

T = TypeVar("T")
_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
ID_NUMBER_FORMAT = "%07d"  # the number that ends every simulated event id
_CHUNK = 65_536  # rows built at once: bounds the temporary per-field lists

SITES = (
    SiteType.GP,
    SiteType.VACCINATION_CENTRE,
    SiteType.PHARMACY,
    SiteType.HOSPITAL_HUB,
    SiteType.CARE_HOME,
    SiteType.HOUSEBOUND,
)
_SITE_WEIGHTS = np.array((0.52, 0.78, 0.95))  # cumulative: GP 52%, centres 26%, pharmacies 17%
_CARE_HOME, _HOUSEBOUND = SITES.index(SiteType.CARE_HOME), SITES.index(SiteType.HOUSEBOUND)
SOURCE_SYSTEMS = {
    SiteType.GP: "EMIS Web",
    SiteType.VACCINATION_CENTRE: "National Immunisation Vaccination System",
    SiteType.PHARMACY: "Pinnacle Outcomes4Health",
    SiteType.HOSPITAL_HUB: "National Immunisation Vaccination System",
    SiteType.CARE_HOME: "TPP SystmOne",
    SiteType.HOUSEBOUND: "TPP SystmOne",
}
_SITE_COLUMN = np.array(SITES, dtype=object)
_SOURCE_COLUMN = np.array([SOURCE_SYSTEMS[site] for site in SITES], dtype=object)
PRODUCTS = (model.PFIZER, model.ASTRAZENECA, model.MODERNA)
_SNOMED_COLUMN = np.array([code for code, _ in PRODUCTS], dtype=object)
_NAME_COLUMN = np.array([name for _, name in PRODUCTS], dtype=object)
_BOOSTERS = np.array([PRODUCTS.index(product) for product in model.BOOSTER_PRODUCTS])
# 0 stands for "none" in the integer columns.
_OPTIONAL_INTS = np.array([None, *range(1, 11)], dtype=object)


def build(cls: type[T], count: int, columns: Mapping[str, Iterable[Any]]) -> list[T]:
    """count instances of a slotted dataclass, each field set from its column (row by row)."""
    if set(columns) != {f.name for f in fields(cls)}:  # type: ignore[arg-type]
        raise ValueError(f"columns must be exactly the fields of {cls.__name__}")
    instances = list(map(object.__new__, repeat(cls, count)))
    for name, values in columns.items():
        deque(map(getattr(cls, name).__set__, instances, values), maxlen=0)
    return instances


def id_format(prefix: str) -> str:
    """The %-format of the event ids that start with prefix."""
    return prefix.replace("%", "%%") + ID_NUMBER_FORMAT


def timestamp(secs: int) -> datetime:
    """A UTC datetime from Unix seconds."""
    return datetime.fromtimestamp(secs, UTC)


@dataclass(frozen=True, slots=True)
class Administrations:
    """Doses as given, one row each: the columns their ADMINISTERED events are made of."""

    area: Ints  # index into the run's areas
    number: Ints  # event number within the area
    person: Ints  # person number within the run
    dose: Ints
    day: Ints  # proleptic Gregorian ordinal
    recorded: Ints  # Unix seconds
    late: Bools  # recorded days after the vaccination
    age: Ints
    sex: Objects
    ethnic_code: Objects
    msoa_code: Objects
    imd_decile: Ints  # 0: unknown
    jcvi_group: Ints  # 0: none
    clinically_extremely_vulnerable: Bools
    health_social_care_worker: Bools
    care_home_resident: Bools
    site: Ints  # index into SITES
    product: Ints  # index into PRODUCTS
    ods_code: Objects

    def __len__(self) -> int:
        return len(self.day)

    def take(self, rows: Ints | slice) -> Administrations:
        """The chosen rows, in the order given."""
        return Administrations(*(getattr(self, f.name)[rows] for f in fields(self)))

    @classmethod
    def concatenate(cls, parts: Sequence[Administrations]) -> Administrations:
        """All rows of the parts, part after part."""
        names = [f.name for f in fields(cls)]
        return cls(*(np.concatenate([getattr(part, name) for part in parts]) for name in names))


def administer(
    residents: Residents,
    doses: Doses,
    rng: np.random.Generator,
    *,
    area: int,
    ltla_code: str,
    msoa_codes: tuple[str, ...],
    late_rate: float,
    first_person: int,
) -> Administrations:
    """When, where and with which vaccine each dose was given, in recorded order."""
    recorded, late = _recorded(doses.day, rng, late_rate)
    order = np.argsort(recorded, kind="stable")
    doses = Doses(doses.person[order], doses.dose[order], doses.day[order])
    recorded, late = recorded[order], late[order]
    rows = doses.person
    age = residents.age[rows]
    u = rng.random((3, len(rows)))
    site = np.searchsorted(_SITE_WEIGHTS, u[0], side="right")
    site[(age >= 85) & (u[1] < 0.05)] = _HOUSEBOUND
    site[residents.care_home_resident[rows]] = _CARE_HOME
    # ODS code by [site, MSOA index]; the last column (index -1, no MSOA) is the LTLA's.
    neighbourhoods = (*msoa_codes, None)
    ods = np.array(
        [[_ods_code(s, m, ltla_code) for m in neighbourhoods] for s in SITES], dtype=object
    )
    # Narrow integer types: a full-scale run holds these columns for over a million doses.
    return Administrations(
        area=np.full(len(rows), area, dtype=np.int16),
        number=np.arange(1, len(rows) + 1, dtype=np.int32),
        person=(rows + first_person).astype(np.int32),
        dose=doses.dose.astype(np.int8),
        day=doses.day.astype(np.int32),
        recorded=recorded,
        late=late,
        age=age.astype(np.int16),
        sex=residents.sex[rows],
        ethnic_code=residents.ethnic_code[rows],
        msoa_code=residents.msoa_code[rows],
        imd_decile=residents.imd_decile[rows].astype(np.int8),
        jcvi_group=residents.jcvi_group[rows].astype(np.int8),
        clinically_extremely_vulnerable=residents.clinically_extremely_vulnerable[rows],
        health_social_care_worker=residents.health_social_care_worker[rows],
        care_home_resident=residents.care_home_resident[rows],
        site=site.astype(np.int8),
        product=_products(age, doses, u[2]).astype(np.int8),
        ods_code=ods[site, residents.msoa_index[rows]],
    )


def events(
    given: Administrations, *, areas: Objects, id_formats: Objects, person_keys: Objects
) -> list[VaccinationEvent]:
    """The ADMINISTERED event of each row; areas, id formats and keys are per-row columns.

    Built in row order, so events made in delivery order also lie in memory in that order.
    """
    built: list[VaccinationEvent] = []
    for start in range(0, len(given), _CHUNK):
        rows = slice(start, start + _CHUNK)
        part = given.take(rows)
        columns = {
            "event_id": map(str.__mod__, id_formats[rows].tolist(), part.number.tolist()),
            "kind": repeat(EventKind.ADMINISTERED),
            "supersedes_event_id": repeat(None),
            "person_key": person_keys[rows].tolist(),
            "vaccination_date": _dates(part.day),
            "recorded_at": map(datetime.fromtimestamp, part.recorded.tolist(), repeat(UTC)),
            "dose_number": part.dose.tolist(),
            "vaccine_snomed_code": _SNOMED_COLUMN[part.product].tolist(),
            "vaccine_name": _NAME_COLUMN[part.product].tolist(),
            "ltla_code": areas[rows].tolist(),
            "msoa_code": part.msoa_code.tolist(),
            "age_years": part.age.tolist(),
            "sex": part.sex.tolist(),
            "ethnic_category": part.ethnic_code.tolist(),
            "jcvi_group": _OPTIONAL_INTS[part.jcvi_group].tolist(),
            "imd_decile": _OPTIONAL_INTS[part.imd_decile].tolist(),
            "clinically_extremely_vulnerable": part.clinically_extremely_vulnerable.tolist(),
            "health_social_care_worker": part.health_social_care_worker.tolist(),
            "care_home_resident": part.care_home_resident.tolist(),
            "site_type": _SITE_COLUMN[part.site].tolist(),
            "source_system": _SOURCE_COLUMN[part.site].tolist(),
            "vaccination_site_ods_code": part.ods_code.tolist(),
        }
        built += build(VaccinationEvent, len(part), columns)
    return built


def _recorded(days: Ints, rng: np.random.Generator, late_rate: float) -> tuple[Ints, Bools]:
    """When each dose was recorded (Unix seconds), and whether that was days late."""
    u = rng.random((3, len(days)))
    late = u[0] < late_rate
    given = (days - _EPOCH_ORDINAL) * _DAY + 28_800 + (u[1] * 43_200).astype(np.int64)  # 8-20h
    on_time = (u[2] * 10_800).astype(np.int64)  # within three hours
    late_by = (2 + (u[2] * 20).astype(np.int64)) * _DAY  # 2 to 21 days
    return given + np.where(late, late_by, on_time), late


def _dates(days: Ints) -> list[date]:
    # Few distinct days: one date object each, shared by all the events of that day.
    distinct, which = np.unique(days, return_inverse=True)
    return np.array([date.fromordinal(d) for d in distinct.tolist()], dtype=object)[which].tolist()


def _products(age: Ints, doses: Doses, u: npt.NDArray[np.float64]) -> Ints:
    """Index into PRODUCTS of each dose's vaccine: one of the products offered, equally likely."""
    if not len(age):
        return np.zeros(0, dtype=np.int64)
    # The first-dose offer depends on (age, day): looked up once per distinct pair.
    pairs, which = np.unique(age * 10_000_000 + doses.day, return_inverse=True)
    offers = [_offer(*divmod(pair, 10_000_000)) for pair in pairs.tolist()]
    options = np.array([offer + (0,) * (3 - len(offer)) for offer in offers])
    counts = np.array([len(offer) for offer in offers])[which]
    first = options[which, (u * counts).astype(np.int64)]
    booster = _BOOSTERS[(u * len(_BOOSTERS)).astype(np.int64)]
    return np.where(doses.dose == 3, booster, first)


@functools.cache
def _offer(age: int, day: int) -> tuple[int, ...]:
    return tuple(PRODUCTS.index(p) for p in model.first_dose_products(age, date.fromordinal(day)))


def _ods_code(site: SiteType, msoa: str | None, ltla: str) -> str:
    # Synthetic but well-formed ODS codes: one site of each type per neighbourhood.
    number = zlib.crc32(f"{site}:{msoa or ltla}".encode()) % 1000
    prefix = {SiteType.GP: "E8", SiteType.PHARMACY: "FQ", SiteType.HOSPITAL_HUB: "RY"}
    return f"{prefix.get(site, 'Y0')}{number:04d}"
