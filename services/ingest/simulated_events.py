"""The administration events simulated doses are published as, built a column at a time.

A full-scale feed has over a million events. Building each through the frozen dataclass's
``__init__`` (one ``object.__setattr__`` per field) would dominate the run, so instances are
allocated with ``object.__new__`` and each slot is filled for all of them at once by mapping
its descriptor over a column, as the contract's Avro codec does for single events.
"""

from __future__ import annotations

import functools
import zlib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import UTC, date, datetime
from itertools import repeat
from typing import Any, TypeVar

import numpy as np

from services.contract.events import EventKind, SiteType, VaccinationEvent
from services.ingest import rollout_model as model
from services.ingest.rollout_model import Doses
from services.ingest.simulated_population import Ints, Residents

T = TypeVar("T")

_SITES = (
    SiteType.GP,
    SiteType.VACCINATION_CENTRE,
    SiteType.PHARMACY,
    SiteType.HOSPITAL_HUB,
    SiteType.CARE_HOME,
    SiteType.HOUSEBOUND,
)
_SITE_WEIGHTS = np.array((0.52, 0.78, 0.95))  # cumulative: GP 52%, centres 26%, pharmacies 17%
_CARE_HOME, _HOUSEBOUND = _SITES.index(SiteType.CARE_HOME), _SITES.index(SiteType.HOUSEBOUND)
_SOURCE = {
    SiteType.GP: "EMIS Web",
    SiteType.VACCINATION_CENTRE: "National Immunisation Vaccination System",
    SiteType.PHARMACY: "Pinnacle Outcomes4Health",
    SiteType.HOSPITAL_HUB: "National Immunisation Vaccination System",
    SiteType.CARE_HOME: "TPP SystmOne",
    SiteType.HOUSEBOUND: "TPP SystmOne",
}
_SITE_COLUMN = np.array(_SITES, dtype=object)
_SOURCE_COLUMN = np.array([_SOURCE[site] for site in _SITES], dtype=object)
_PRODUCTS = (model.PFIZER, model.ASTRAZENECA, model.MODERNA)
_SNOMED_COLUMN = np.array([code for code, _ in _PRODUCTS], dtype=object)
_NAME_COLUMN = np.array([name for _, name in _PRODUCTS], dtype=object)
# 0 stands for "none" in the integer columns of Residents.
_OPTIONAL_INTS = np.array([None, *range(1, 11)], dtype=object)


def build(cls: type[T], count: int, columns: Mapping[str, Iterable[Any]]) -> list[T]:
    """count instances of a slotted dataclass, each field set from its column (row by row)."""
    if set(columns) != {f.name for f in fields(cls)}:  # type: ignore[arg-type]
        raise ValueError(f"columns must be exactly the fields of {cls.__name__}")
    instances = list(map(object.__new__, repeat(cls, count)))
    for name, values in columns.items():
        deque(map(getattr(cls, name).__set__, instances, values), maxlen=0)
    return instances


def timestamp(secs: int) -> datetime:
    """A UTC datetime from Unix seconds."""
    return datetime.fromtimestamp(secs, UTC)


class Administrations:
    """Builds the ADMINISTERED events of one LTLA's doses."""

    def __init__(self, ltla_code: str, msoa_codes: tuple[str, ...]) -> None:
        self.ltla_code = ltla_code
        # ODS code by [site, MSOA index]; the last column (index -1, no MSOA) is the LTLA's.
        neighbourhoods = (*msoa_codes, None)
        self._ods = np.array(
            [[_ods_code(site, m, ltla_code) for m in neighbourhoods] for site in _SITES],
            dtype=object,
        )

    def build(
        self,
        residents: Residents,
        doses: Doses,
        rng: np.random.Generator,
        *,
        event_ids: list[str],
        person_keys: list[str],
        recorded_secs: Ints,
    ) -> list[VaccinationEvent]:
        """One event per dose, with the given ids and person keys, recorded at those times."""
        rows = doses.person
        if not len(rows):
            return []
        age = residents.age[rows]
        u = rng.random((3, len(rows)))
        site = np.searchsorted(_SITE_WEIGHTS, u[0], side="right")
        site[(age >= 85) & (u[1] < 0.05)] = _HOUSEBOUND
        site[residents.care_home_resident[rows]] = _CARE_HOME
        product = _products(age, doses, u[2])
        msoa = residents.msoa_index[rows]
        columns = {
            "event_id": event_ids,
            "kind": repeat(EventKind.ADMINISTERED),
            "supersedes_event_id": repeat(None),
            "person_key": person_keys,
            "vaccination_date": _dates(doses.day),
            "recorded_at": map(datetime.fromtimestamp, recorded_secs.tolist(), repeat(UTC)),
            "dose_number": doses.dose.tolist(),
            "vaccine_snomed_code": _SNOMED_COLUMN[product].tolist(),
            "vaccine_name": _NAME_COLUMN[product].tolist(),
            "ltla_code": repeat(self.ltla_code),
            "msoa_code": residents.msoa_code[rows].tolist(),
            "age_years": age.tolist(),
            "sex": residents.sex[rows].tolist(),
            "ethnic_category": residents.ethnic_code[rows].tolist(),
            "jcvi_group": _OPTIONAL_INTS[residents.jcvi_group[rows]].tolist(),
            "imd_decile": _OPTIONAL_INTS[residents.imd_decile[rows]].tolist(),
            "clinically_extremely_vulnerable": residents.clinically_extremely_vulnerable[
                rows
            ].tolist(),
            "health_social_care_worker": residents.health_social_care_worker[rows].tolist(),
            "care_home_resident": residents.care_home_resident[rows].tolist(),
            "site_type": _SITE_COLUMN[site].tolist(),
            "source_system": _SOURCE_COLUMN[site].tolist(),
            "vaccination_site_ods_code": self._ods[site, msoa].tolist(),
        }
        return build(VaccinationEvent, len(rows), columns)


def _dates(days: Ints) -> list[date]:
    # Few distinct days: one date object each, shared by all the events of that day.
    distinct, which = np.unique(days, return_inverse=True)
    return np.array([date.fromordinal(d) for d in distinct.tolist()], dtype=object)[which].tolist()


def _products(age: Ints, doses: Doses, u: np.ndarray) -> Ints:
    """Index into _PRODUCTS of each dose's vaccine: one of the products offered, equally likely."""
    # The first-dose choice depends on (age, day): evaluated once per distinct pair.
    pairs, which = np.unique(age * 10_000_000 + doses.day, return_inverse=True)
    offers = [_offer(*divmod(pair, 10_000_000)) for pair in pairs.tolist()]
    options = np.array([offer + (0,) * (3 - len(offer)) for offer in offers])
    counts = np.array([len(offer) for offer in offers])[which]
    first = options[which, (u * counts).astype(np.int64)]
    booster = np.array([_PRODUCTS.index(p) for p in model.BOOSTER_PRODUCTS])
    boosted = booster[(u * len(booster)).astype(np.int64)]
    return np.where(doses.dose == 3, boosted, first)


@functools.cache
def _offer(age: int, day: int) -> tuple[int, ...]:
    return tuple(_PRODUCTS.index(p) for p in model.first_dose_products(age, date.fromordinal(day)))


def _ods_code(site: SiteType, msoa: str | None, ltla: str) -> str:
    # Synthetic but well-formed ODS codes: one site of each type per neighbourhood.
    number = zlib.crc32(f"{site}:{msoa or ltla}".encode()) % 1000
    prefix = {SiteType.GP: "E8", SiteType.PHARMACY: "FQ", SiteType.HOSPITAL_HUB: "RY"}
    return f"{prefix.get(site, 'Y0')}{number:04d}"
