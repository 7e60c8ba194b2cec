"""Simulated people: their attributes as columns, their NHS numbers and person keys.

Residents are drawn as columns (one numpy array per attribute): a full-scale borough has
hundreds of thousands of them, and per-person Python objects would dominate the run time.
``ResidentSampler`` (``residents``) draws them from the LTLA's real populations. Risk
flags and JCVI priority groups follow round published prevalences.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.contract.pseudonym import Pseudonymiser
from services.reference import cohorts

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]

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


def whole_exponential(u: npt.NDArray[np.float64], mean: float | npt.NDArray[np.float64]) -> Ints:
    """Whole parts of exponential draws of that mean, from uniform draws (inverse CDF)."""
    return (-np.log1p(-u) * mean).astype(np.int64)


@functools.cache
def jcvi_groups() -> Ints:
    """The JCVI priority group (0: none) by age and risk flags, as ``[age, flags]``."""
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
