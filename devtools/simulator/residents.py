"""Simulated residents of one LTLA, drawn so that every cohort fits the published populations.

The denominators councils divide by come from three sources that disagree (ONS mid-2020,
Census 2021, NIMS July 2021). The simulated people are one population, so to keep every
cohort's uptake at or below 100% whichever source it is divided by, each sex × single year
of age holds the ONS estimate scaled down wherever the census (for that sex and census band)
or NIMS (for that NIMS band) counts fewer people. Within each sex × age stratum:

- ethnic group (5) follows the census shares of that sex and census band, and the detailed
  group within it the LTLA's all-ages census shares (the same assumption as the service's
  estimated detailed populations), recorded under the NHS code people in it are recorded as;
- neighbourhood (2011 MSOA) follows the ONS small-area single-year shares;
- IMD 2019 decile follows the LTLA's decile × single-year populations, coupled to the
  neighbourhood: the MSOAs are put in a fixed pseudo-random "deprivation" order and a person
  in the q-th quantile of the stratum's MSOAs is in the q-th quantile of its deciles, so each
  MSOA is mostly one or two adjacent deciles while both marginals hold exactly.

Counts are allocated systematically (each group gets its share of the stratum ± 1), not drawn
at random, so no cohort exceeds its share by chance; a stratum's size is its scaled population
rounded at random (unbiased at small scales).
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

from devtools.simulator.population import (
    MAX_SIMULATED_AGE,
    MISSING_MSOA_SHARE,
    NOT_KNOWN_SHARE,
    NOT_STATED_SHARE,
    Ints,
    Residents,
    jcvi_groups,
    whole_exponential,
)
from services.contract.events import Sex
from services.reference import cohorts
from services.reference.areas import load_areas
from services.reference.population_tables import (
    CENSUS_EDGES,
    NIMS_EDGES,
    load_population_tables,
)

Floats = npt.NDArray[np.float64]
SEXES = ("F", "M")
# Recorded sex: female, male, or (a few records, whom the populations count as F or M) other.
_SEX_VALUES = np.array((Sex.FEMALE, Sex.MALE, Sex.NOT_KNOWN, Sex.INDETERMINATE), dtype=object)
_OTHER_SEX = ((2, 0.004), (3, 0.001))
_AGES = np.arange(cohorts.OLDEST_AGE + 1)


class ResidentSampler:
    """Residents of one LTLA in proportion to its real populations, at a scale."""

    def __init__(self, ltla_code: str) -> None:
        t = load_population_tables()
        self.ltla_code = ltla_code
        self.msoa_codes: tuple[str, ...] = tuple(load_areas().msoas_in(ltla_code))
        census_band = np.searchsorted(CENSUS_EDGES, _AGES, side="right") - 1
        nims_band = np.searchsorted(NIMS_EDGES, _AGES, side="right") - 1
        ons = {s: t.ons_sex.counts((ltla_code, s)).astype(float) for s in SEXES}
        persons = ons["F"] + ons["M"]
        nims_ratio = _ratio(t.nims.counts(ltla_code), _banded(persons, nims_band, NIMS_EDGES))
        self.size: dict[str, Floats] = {}
        ethnic_shares = []  # per sex: [age × 5 groups]
        for s in SEXES:
            by_group = np.array(
                [t.census.counts((ltla_code, g, s)) for g in cohorts.ETHNIC_GROUPS_5], dtype=float
            )
            census = by_group.sum(axis=0)
            census_ratio = _ratio(census, _banded(ons[s], census_band, CENSUS_EDGES))
            factor = np.minimum(1.0, np.minimum(census_ratio[census_band], nims_ratio[nims_band]))
            self.size[s] = ons[s] * factor
            shares = by_group / np.where(census > 0, census, 1)
            ethnic_shares.append(shares.T[census_band])
        self._ethnic_cum = np.cumsum(np.concatenate(ethnic_shares), axis=1)  # [sex·age × group]
        detailed = t.census_detailed.get(ltla_code, {})
        self._detailed: list[tuple[npt.NDArray[np.object_], Floats]] = []
        for group in cohorts.ETHNIC_GROUPS_5:
            inside = [(g, n) for g, n in detailed.items() if g.split(":")[0] == group]
            codes = np.array([cohorts.CENSUS_19_TO_NHS[g] for g, _ in inside], dtype=object)
            weights = np.array([n for _, n in inside], dtype=float)
            self._detailed.append((codes, np.cumsum(weights) / max(weights.sum(), 1.0)))
        order = sorted(range(len(self.msoa_codes)), key=lambda i: _rank(self.msoa_codes[i]))
        self._msoa_order = np.array(order, dtype=np.int64)
        msoa_years = np.array([t.ons_msoa.counts(m) for m in self.msoa_codes], dtype=float)
        self._msoa_cum = _cumulative_shares(msoa_years[self._msoa_order]).T  # [age × msoa]
        imd_years = np.array(
            [t.ons_imd.counts((ltla_code, d)) for d in cohorts.IMD_DECILES], dtype=float
        )
        self._imd_cum = _cumulative_shares(imd_years).T  # [age × decile]
        self._msoa_table = np.array([*self.msoa_codes, None], dtype=object)

    @property
    def total(self) -> float:
        """The LTLA's simulated population at full scale."""
        return float(sum(size.sum() for size in self.size.values()))

    def sample(self, rng: np.random.Generator, scale: float, *, min_age: int = 0) -> Residents:
        """Residents aged ``min_age`` and over at ``scale`` (only they can be vaccinated)."""
        ages, sexes, positions, quantiles = [], [], [], []
        for index, s in enumerate(SEXES):
            expected = self.size[s] * scale
            counts = np.floor(expected + rng.random(expected.shape)).astype(np.int64)
            counts[:min_age] = 0
            ages.append(np.repeat(_AGES, counts))
            sexes.append(np.full(int(counts.sum()), index, dtype=np.int64))
            positions.append(_positions(counts, rng))
            quantiles.append(_positions(counts, rng))
        age, sex = np.concatenate(ages), np.concatenate(sexes)
        n = len(age)
        group = _lookup(self._ethnic_cum, sex * len(_AGES) + age, np.concatenate(positions))
        quantile = np.concatenate(quantiles)
        u = rng.random((9, n))
        true_code = np.empty(n, dtype=object)
        for g, (codes, cum) in enumerate(self._detailed):
            rows = np.flatnonzero(group == g)
            pick = np.searchsorted(cum, u[0][rows], side="right").clip(0, len(codes) - 1)
            true_code[rows] = codes[pick]
        recorded = np.where(u[1] < NOT_STATED_SHARE, "Z", true_code)
        recorded = np.where(
            (u[1] >= NOT_STATED_SHARE) & (u[1] < NOT_STATED_SHARE + NOT_KNOWN_SHARE), "99", recorded
        )
        msoa = self._msoa_order[_lookup(self._msoa_cum, age, quantile)]
        decile = 1 + _lookup(self._imd_cum, age, quantile)
        missing = u[2] < MISSING_MSOA_SHARE
        msoa[missing] = -1
        decile[missing] = 0
        oldest = age == cohorts.OLDEST_AGE
        age = age + np.where(oldest, np.minimum(whole_exponential(u[3], 1 / 0.3), 15), 0)
        threshold = 0.0
        for other, odds in _OTHER_SEX:
            sex[(u[4] >= threshold) & (u[4] < threshold + odds)] = other
            threshold += odds
        care_home = (age >= 65) & (u[5] < np.where(age >= 80, 0.05, 0.008))
        worker = (age >= 18) & (age <= 66) & (u[6] < 0.07)
        cev = u[7] < np.where(age >= 70, 0.06, 0.025)
        at_risk = (age >= 16) & (age < 65) & (u[8] < 0.15 + 0.004 * (age - 16))
        flags = care_home * 8 + worker * 4 + cev * 2 + at_risk
        return Residents(
            age=age,
            sex=_SEX_VALUES[sex],
            true_ethnic_code=true_code,
            ethnic_code=recorded,
            msoa_index=msoa,
            msoa_code=self._msoa_table[msoa],
            imd_decile=decile,
            care_home_resident=care_home,
            health_social_care_worker=worker,
            clinically_extremely_vulnerable=cev,
            jcvi_group=jcvi_groups()[np.minimum(age, MAX_SIMULATED_AGE), flags],
        )


def _banded(single_years: Floats, band_of_age: Ints, edges: tuple[int, ...]) -> Floats:
    out = np.zeros(len(edges))
    np.add.at(out, band_of_age, single_years)
    return out


def _ratio(numerator: npt.NDArray[np.int64] | Floats, denominator: Floats) -> Floats:
    return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), 1.0)


def _cumulative_shares(counts: Floats) -> Floats:
    """Per age (columns), the cumulative share of each row; rows of an empty age share equally."""
    totals = counts.sum(axis=0)
    even = np.full(counts.shape, 1.0 / max(len(counts), 1))
    shares = np.where(totals > 0, counts / np.where(totals > 0, totals, 1), even)
    result: Floats = np.cumsum(shares, axis=0)
    return result


def _positions(counts: Ints, rng: np.random.Generator) -> Floats:
    """For strata of these sizes, evenly spaced positions in (0, 1) (one random offset per
    stratum), shuffled within each stratum: quantiles for systematic allocation."""
    start = np.repeat(np.cumsum(counts) - counts, counts)
    index = np.arange(counts.sum()) - start
    size = np.repeat(counts, counts)
    offset = np.repeat(rng.random(len(counts)), counts)
    position = (index + offset) / np.maximum(size, 1)
    stratum = np.repeat(np.arange(len(counts)), counts)
    shuffle = np.argsort(stratum + rng.random(len(position)))  # a permutation within strata
    result: Floats = position[shuffle]
    return result


def _lookup(cumulative: Floats, stratum: Ints, position: Floats) -> Ints:
    """For each person, the column j of its stratum's row where its position falls:
    ``cumulative[k, j-1] <= position < cumulative[k, j]`` (one search over every stratum)."""
    rows, columns = cumulative.shape
    flat = (np.arange(rows)[:, None] + np.minimum(cumulative, 1.0)).ravel()
    found = np.searchsorted(flat, stratum + position, side="right") - stratum * columns
    result: Ints = found.clip(0, columns - 1)
    return result


def _rank(msoa_code: str) -> int:
    """A fixed pseudo-random place of an MSOA in its LTLA's order of deprivation."""
    return zlib.crc32(msoa_code.encode())
