"""Simulated residents of one LTLA, drawn from its real populations.

Ages follow the LTLA's mid-2020 single-year distribution; ethnic groups its Census 2021
19-group distribution (recorded as the NHS code people in that group are recorded under);
neighbourhoods its MSOA populations. IMD deciles are synthetic but stable: each MSOA gets a
decile from a hash of its code, centred on a typical decile for the LTLA, so that a borough's
neighbourhoods differ in deprivation as real ones do. Risk flags and JCVI priority groups
follow round published prevalences.
"""

from __future__ import annotations

import itertools
import random
import zlib
from dataclasses import dataclass

from services.contract.events import Sex
from services.reference import cohorts
from services.reference.areas import load_areas
from services.reference.populations import load_populations

# Typical IMD 2019 decile of the North West London boroughs' neighbourhoods.
_IMD_CENTRE = {
    "E09000005": 3.5,  # Brent
    "E09000009": 4.5,  # Ealing
    "E09000013": 4.5,  # Hammersmith and Fulham
    "E09000015": 6.5,  # Harrow
    "E09000017": 5.5,  # Hillingdon
    "E09000018": 4.5,  # Hounslow
    "E09000020": 5.5,  # Kensington and Chelsea
    "E09000033": 5.0,  # Westminster
}
_SEXES = (Sex.FEMALE, Sex.MALE, Sex.NOT_KNOWN, Sex.INDETERMINATE)
_SEX_WEIGHTS = tuple(itertools.accumulate((0.505, 0.490, 0.004, 0.001)))
NOT_STATED_SHARE = 0.04
NOT_KNOWN_SHARE = 0.01
MISSING_MSOA_SHARE = 0.01


@dataclass(frozen=True, slots=True)
class Resident:
    """One simulated person; ``true_ethnic_code`` is who they are, ``ethnic_code`` the record."""

    age: int
    sex: Sex
    true_ethnic_code: str
    ethnic_code: str
    msoa_code: str | None
    imd_decile: int | None
    care_home_resident: bool
    health_social_care_worker: bool
    clinically_extremely_vulnerable: bool
    jcvi_group: int | None


def imd_decile_of(msoa_code: str, ltla_code: str) -> int:
    """A stable synthetic IMD decile for an MSOA, skewed by its LTLA's typical decile."""
    centre = _IMD_CENTRE.get(ltla_code)
    if centre is None:
        centre = 3 + (zlib.crc32(ltla_code.encode()) % 50) / 10
    spread = (zlib.crc32(msoa_code.encode()) % 1000) / 1000 - 0.5
    return max(1, min(10, round(centre + spread * 8)))


class ResidentSampler:
    """Draws residents of one LTLA in proportion to its real populations."""

    def __init__(self, ltla_code: str) -> None:
        pops = load_populations()
        codes = (ltla_code,)
        self.ltla_code = ltla_code
        self.total = pops.total(codes)
        self._ages = tuple(range(cohorts.OLDEST_AGE + 1))
        self._age_weights = tuple(itertools.accumulate(pops.single_years(codes)))
        census = pops.ethnic_groups(codes, detailed=True)
        self._ethnic_codes = tuple(cohorts.CENSUS_19_TO_NHS[group] for group in census)
        self._ethnic_weights = tuple(itertools.accumulate(census.values()))
        msoas = load_areas().msoas_in(ltla_code)
        self._msoas = msoas
        self._msoa_weights = tuple(itertools.accumulate(pops.msoa(m) or 0 for m in msoas))
        self._imd = {m: imd_decile_of(m, ltla_code) for m in msoas}

    def sample(self, rng: random.Random, n: int, *, min_age: int = 0) -> list[Resident]:
        """Draw n residents; return those aged min_age or over (only they can be vaccinated)."""
        ages = rng.choices(self._ages, cum_weights=self._age_weights, k=n)
        ethnic = rng.choices(self._ethnic_codes, cum_weights=self._ethnic_weights, k=n)
        msoas = rng.choices(self._msoas, cum_weights=self._msoa_weights, k=n)
        sexes = rng.choices(_SEXES, cum_weights=_SEX_WEIGHTS, k=n)
        return [
            self._resident(rng, age, sex, code, msoa)
            for age, sex, code, msoa in zip(ages, sexes, ethnic, msoas, strict=True)
            if age >= min_age
        ]

    def _resident(
        self, rng: random.Random, age: int, sex: Sex, code: str, msoa: str | None
    ) -> Resident:
        rand = rng.random
        if age == cohorts.OLDEST_AGE:
            age += min(int(rng.expovariate(0.3)), 15)
        roll = rand()
        recorded = "Z" if roll < NOT_STATED_SHARE else code
        if NOT_STATED_SHARE <= roll < NOT_STATED_SHARE + NOT_KNOWN_SHARE:
            recorded = "99"
        if rand() < MISSING_MSOA_SHARE:
            msoa = None
        care_home = age >= 65 and rand() < (0.05 if age >= 80 else 0.008)
        worker = 18 <= age <= 66 and rand() < 0.07
        cev = rand() < (0.06 if age >= 70 else 0.025)
        at_risk = 16 <= age < 65 and rand() < 0.12 + 0.004 * (age - 16)
        return Resident(
            age=age,
            sex=sex,
            true_ethnic_code=code,
            ethnic_code=recorded,
            msoa_code=msoa,
            imd_decile=self._imd[msoa] if msoa else None,
            care_home_resident=care_home,
            health_social_care_worker=worker,
            clinically_extremely_vulnerable=cev,
            jcvi_group=cohorts.jcvi_group_for(
                age,
                care_home_resident=care_home,
                health_social_care_worker=worker,
                clinically_extremely_vulnerable=cev,
                at_risk=at_risk,
            ),
        )
