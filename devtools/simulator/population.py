"""Simulated residents of one LTLA, drawn from its real populations.

Ages follow the LTLA's mid-2020 single-year distribution; ethnic groups its Census 2021
19-group distribution (recorded as the NHS code people in that group are recorded under);
neighbourhoods its MSOA populations. IMD deciles are synthetic but stable: each MSOA gets a
decile from a hash of its code, centred on a typical decile for the LTLA, so that a borough's
neighbourhoods differ in deprivation as real ones do. Risk flags and JCVI priority groups
follow round published prevalences.

Residents are drawn as columns (one numpy array per attribute): a full-scale borough has
hundreds of thousands of them, and per-person Python objects would dominate the run time.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.contract.events import Sex
from services.contract.pseudonym import Pseudonymiser
from services.reference import cohorts
from services.reference.areas import load_areas
from services.reference.populations import load_populations

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]

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
_SEXES = np.array((Sex.FEMALE, Sex.MALE, Sex.NOT_KNOWN, Sex.INDETERMINATE), dtype=object)
_SEX_WEIGHTS = np.array(tuple(itertools.accumulate((0.505, 0.490, 0.004, 0.001))))
NOT_STATED_SHARE = 0.04
NOT_KNOWN_SHARE = 0.01
MISSING_MSOA_SHARE = 0.01
# Ages in the population file stop at 90 (90 and over); the oldest are spread up to 15 more.
MAX_SIMULATED_AGE = cohorts.OLDEST_AGE + 15


@dataclass(frozen=True, slots=True)
class Residents:
    """Simulated people as columns, one row per person.

    ``true_ethnic_code`` is who they are, ``ethnic_code`` what their record says. Unknown IMD
    deciles and people outside the JCVI priority groups are 0; an unknown MSOA is index -1.
    """

    age: Ints
    sex: Objects  # Sex
    true_ethnic_code: Objects  # str
    ethnic_code: Objects  # str
    msoa_index: Ints  # into ResidentSampler.msoa_codes
    msoa_code: Objects  # str | None
    imd_decile: Ints
    care_home_resident: Bools
    health_social_care_worker: Bools
    clinically_extremely_vulnerable: Bools
    jcvi_group: Ints

    def __len__(self) -> int:
        return len(self.age)


def imd_decile_of(msoa_code: str, ltla_code: str) -> int:
    """A stable synthetic IMD decile for an MSOA, skewed by its LTLA's typical decile."""
    centre = _IMD_CENTRE.get(ltla_code)
    if centre is None:
        centre = 3 + (zlib.crc32(ltla_code.encode()) % 50) / 10
    spread = (zlib.crc32(msoa_code.encode()) % 1000) / 1000 - 0.5
    return max(1, min(10, round(centre + spread * 8)))


class Identities:
    """NHS numbers and person keys of simulated people, unique within a run."""

    def __init__(self, seed: int, pseudonym_key: bytes) -> None:
        Pseudonymiser(pseudonym_key)  # refuses a key that is too short
        # HMAC-SHA256 (RFC 2104) with its keyed inner and outer hashes prepared once and
        # copied per person: the same keys as Pseudonymiser.person_key, at a fraction of the
        # cost of a new (or copied) hmac object each.
        block = hashlib.sha256().block_size
        if len(pseudonym_key) > block:
            pseudonym_key = hashlib.sha256(pseudonym_key).digest()
        padded = pseudonym_key.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in padded))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in padded))
        self._counter = 0
        self._offset = zlib.crc32(f"nhs:{seed}".encode()) % 100_000_000

    def nhs_numbers(self, count: int) -> list[str]:
        """The next count NHS numbers of the run."""
        # A permutation of 900 000 000x-999 999 999x, a range never issued in the UK (English
        # numbers start 4-7): unique within a run and never a real person's number.
        found = []
        while count > 0:
            start = self._counter + 1
            counters = np.arange(start, start + count + count // 8 + 16, dtype=np.int64)
            body = 900_000_000 + (counters * 7919 + self._offset) % 100_000_000
            total = sum((body // 10**place % 10) * (place + 2) for place in range(9))
            check = (11 - total % 11) % 11
            usable = np.flatnonzero(check != 10)[:count]  # 10: a number never issued
            found.append(body[usable] * 10 + check[usable])
            self._counter = int(counters[usable[-1] if len(usable) == count else -1])
            count -= len(usable)
        return [str(number) for chunk in found for number in chunk.tolist()]

    def person_keys(self, nhs_numbers: list[str]) -> list[str]:
        """The pseudonym of each NHS number, as `Pseudonymiser.person_key` gives it."""
        inner, outer = self._inner.copy, self._outer.copy
        keys = []
        for number in nhs_numbers:
            digest = inner()
            digest.update(number.encode())
            key = outer()
            key.update(digest.digest())
            keys.append(key.hexdigest())
        return keys


class ResidentSampler:
    """Draws residents of one LTLA in proportion to its real populations."""

    def __init__(self, ltla_code: str) -> None:
        pops = load_populations()
        codes = (ltla_code,)
        self.ltla_code = ltla_code
        self.total = pops.total(codes)
        self._age_weights = np.cumsum(pops.single_years(codes), dtype=np.float64)
        census = pops.ethnic_groups(codes, detailed=True)
        self._ethnic_codes = np.array([cohorts.CENSUS_19_TO_NHS[g] for g in census], dtype=object)
        self._ethnic_weights = np.cumsum(list(census.values()), dtype=np.float64)
        self.msoa_codes: tuple[str, ...] = tuple(load_areas().msoas_in(ltla_code))
        msoa_weights = [pops.msoa(m) or 0 for m in self.msoa_codes]
        self._msoa_weights = np.cumsum(msoa_weights, dtype=np.float64)
        # Index -1 (no MSOA) reads the last entry: no code, no decile.
        self._msoa_table = np.array([*self.msoa_codes, None], dtype=object)
        self._imd = np.array([*(imd_decile_of(m, ltla_code) for m in self.msoa_codes), 0])

    def sample(self, rng: np.random.Generator, n: int, *, min_age: int = 0) -> Residents:
        """Draw n residents; return those aged min_age or over (only they can be vaccinated)."""
        age = _pick(self._age_weights, rng.random(n))
        age = age[age >= min_age]
        m = len(age)
        u = rng.random((10, m))
        oldest = age == cohorts.OLDEST_AGE
        age = age + np.where(oldest, np.minimum(whole_exponential(u[0], 1 / 0.3), 15), 0)
        true_code = self._ethnic_codes[_pick(self._ethnic_weights, u[1])]
        recorded = np.where(u[2] < NOT_STATED_SHARE, "Z", true_code)
        recorded = np.where(
            (u[2] >= NOT_STATED_SHARE) & (u[2] < NOT_STATED_SHARE + NOT_KNOWN_SHARE),
            "99",
            recorded,
        )
        msoa = _pick(self._msoa_weights, u[3])
        msoa[u[4] < MISSING_MSOA_SHARE] = -1
        care_home = (age >= 65) & (u[5] < np.where(age >= 80, 0.05, 0.008))
        worker = (age >= 18) & (age <= 66) & (u[6] < 0.07)
        cev = u[7] < np.where(age >= 70, 0.06, 0.025)
        at_risk = (age >= 16) & (age < 65) & (u[8] < 0.12 + 0.004 * (age - 16))
        flags = care_home * 8 + worker * 4 + cev * 2 + at_risk
        return Residents(
            age=age,
            sex=_SEXES[_pick(_SEX_WEIGHTS, u[9])],
            true_ethnic_code=true_code,
            ethnic_code=recorded,
            msoa_index=msoa,
            msoa_code=self._msoa_table[msoa],
            imd_decile=self._imd[msoa],
            care_home_resident=care_home,
            health_social_care_worker=worker,
            clinically_extremely_vulnerable=cev,
            jcvi_group=_jcvi_groups()[age, flags],
        )


def _pick(cum_weights: npt.NDArray[np.float64], u: npt.NDArray[np.float64]) -> Ints:
    """Indices drawn in proportion to the weights, as `random.choices(cum_weights=)` does."""
    picked = np.searchsorted(cum_weights, u * cum_weights[-1], side="right")
    return np.minimum(picked, len(cum_weights) - 1).astype(np.int64)


def whole_exponential(u: npt.NDArray[np.float64], mean: float | npt.NDArray[np.float64]) -> Ints:
    """Whole parts of exponential draws of that mean, from uniform draws (inverse CDF)."""
    return (-np.log1p(-u) * mean).astype(np.int64)


@functools.cache
def _jcvi_groups() -> Ints:
    # cohorts.jcvi_group_for over every age and flag combination (care home, worker,
    # clinically extremely vulnerable, at risk as bits 8-4-2-1), so the rule lives in one place.
    table = np.zeros((MAX_SIMULATED_AGE + 1, 16), dtype=np.int64)
    for age in range(MAX_SIMULATED_AGE + 1):
        for flags in range(16):
            group = cohorts.jcvi_group_for(
                age,
                care_home_resident=bool(flags & 8),
                health_social_care_worker=bool(flags & 4),
                clinically_extremely_vulnerable=bool(flags & 2),
                at_risk=bool(flags & 1),
            )
            table[age, flags] = group or 0
    return table
