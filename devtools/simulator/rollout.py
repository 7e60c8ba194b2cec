"""How the 2020-21 COVID-19 vaccination programme reached people, as the simulator models it.

The figures are deliberately round, "published-ish" values, chosen to reproduce the shapes
councils saw rather than any exact series:

- Eligibility follows the JCVI roll-out in England: care homes and 80+ from 8 Dec 2020,
  75-79 from 11 Jan 2021, 70-74 and the clinically extremely vulnerable from 18 Jan,
  65-69 and at-risk adults from 15 Feb, 60-64 from 1 Mar, 55-59 from 9 Mar, 50-54 from
  17 Mar, then phase 2 by age: 45-49 13 Apr, 40-44 30 Apr, 30-39 from 13-26 May,
  25-29 8 Jun, 18-24 from 15-18 Jun; 16-17 from 23 Aug and 12-15 from 20 Sep 2021 (one dose).
- Eventual first-dose uptake by age is that of White British residents of the least deprived
  neighbourhoods in the NHS England and OpenSAFELY statistics of 2021 (about 98% of 75+ down
  to about 80% of 18-24 year olds), a little lower in London. Health and social care workers
  were vaccinated at work, whatever their age.
- Relative uptake by ethnic group follows the ONS/OpenSAFELY analyses of spring 2021 among
  older adults (relative to White British: Black African about 0.74, Black Caribbean about
  0.70, Pakistani and Bangladeshi about 0.87, Chinese, mixed and Other White groups about
  0.8-0.9, Indian about 0.98). Somali residents are recorded as Black African or Any other
  Black background (the NHS codes have no Somali category) and share those factors.
- Relative uptake by deprivation falls linearly from 1.0 in the least deprived decile to
  0.88 in the most deprived, as the OpenSAFELY and NIMS reports showed.
- Second doses follow 8 to 12 weeks after the first: nearer 12 (11-12 weeks) for first doses
  before 14 May 2021, when the interval was cut to 8 weeks for the over-40s; boosters (dose 3)
  from 16 Sep 2021 for the over-50s and priority groups, at least 6 months after the second.

Calibrated, with the populations of ``residents``, to what North West London reported
at the end of May 2021: about 57% of residents aged 16+ (ONS mid-2020) with a first dose and
about 32% with both on 31 May 2021 (about 44% and 25% over NIMS's larger register), lower
among Black African and Black Caribbean residents and in the most deprived deciles.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from devtools.simulator.population import (
    MAX_SIMULATED_AGE,
    Ints,
    Objects,
    Residents,
    whole_exponential,
)

PROGRAMME_START = date(2020, 12, 8)
BOOSTERS_START = date(2021, 9, 16)
SHORTER_INTERVAL = date(2021, 5, 14)

# (lowest age, date that age became eligible), oldest first.
AGE_ELIGIBILITY: tuple[tuple[int, date], ...] = (
    (80, date(2020, 12, 8)),
    (75, date(2021, 1, 11)),
    (70, date(2021, 1, 18)),
    (65, date(2021, 2, 15)),
    (60, date(2021, 3, 1)),
    (55, date(2021, 3, 9)),
    (50, date(2021, 3, 17)),
    (45, date(2021, 4, 13)),
    (40, date(2021, 4, 30)),
    (36, date(2021, 5, 13)),
    (30, date(2021, 5, 26)),
    (25, date(2021, 6, 8)),
    (21, date(2021, 6, 15)),
    (18, date(2021, 6, 18)),
    (16, date(2021, 8, 23)),
    (12, date(2021, 9, 20)),
)

# Eligibility by priority group, for people who qualify earlier than their age does.
GROUP_ELIGIBILITY: dict[int, date] = {
    1: date(2020, 12, 8),
    2: date(2021, 1, 4),  # health and social care workers, in numbers from January
    4: date(2021, 1, 18),
    6: date(2021, 2, 15),
}

# (lowest age, share who eventually take a first dose), oldest first.
AGE_UPTAKE: tuple[tuple[int, float], ...] = (
    (80, 0.98),
    (75, 0.98),
    (70, 0.97),
    (65, 0.96),
    (60, 0.95),
    (55, 0.94),
    (50, 0.92),
    (40, 0.92),
    (30, 0.90),
    (25, 0.84),
    (18, 0.80),
    (16, 0.55),
    (12, 0.45),
    (0, 0.0),
)

# London's uptake ran below England's in every cohort.
LONDON_FACTOR = 0.98

# Relative uptake by NHS ethnic category (White British = 1).
ETHNIC_FACTOR: dict[str, float] = {
    "A": 1.0,
    "B": 0.98,
    "C": 0.88,
    "D": 0.78,
    "E": 0.82,
    "F": 0.92,
    "G": 0.88,
    "H": 0.98,
    "J": 0.88,
    "K": 0.87,
    "L": 0.93,
    "M": 0.70,
    "N": 0.74,
    "P": 0.72,
    "R": 0.88,
    "S": 0.85,
    "Z": 0.90,
    "99": 0.90,
}


def imd_factor(decile: int | None) -> float:
    """Relative uptake by IMD decile: 0.88 in the most deprived, 1.0 in the least."""
    if decile is None:
        return 0.94
    return 0.88 + 0.12 * (decile - 1) / 9


def eligible_from(age: int, jcvi_group: int | None) -> date | None:
    """The first date a person of this age and priority group could book a first dose."""
    by_age = next((day for lowest, day in AGE_ELIGIBILITY if age >= lowest), None)
    by_group = GROUP_ELIGIBILITY.get(jcvi_group) if jcvi_group is not None else None
    candidates = [day for day in (by_age, by_group) if day is not None]
    return min(candidates) if candidates else None


def base_uptake(age: int) -> float:
    """Share of people of this age who eventually take a first dose."""
    return next(share for lowest, share in AGE_UPTAKE if age >= lowest)


# Vaccine products: (SNOMED CT concept id, name as publishers record it).
PFIZER = ("39115611000001103", "COVID-19 mRNA Vaccine Comirnaty 30micrograms/0.3ml")
ASTRAZENECA = ("39114911000001105", "COVID-19 Vaccine Vaxzevria (ChAdOx1 S [recombinant])")
MODERNA = ("39326911000001101", "COVID-19 mRNA Vaccine Spikevax 0.1mg/0.5ml")

AZ_AVAILABLE = date(2021, 1, 4)
MODERNA_AVAILABLE = date(2021, 4, 13)
# From 7 May 2021 under-40s were offered an alternative to AstraZeneca.
AZ_UNDER_40_END = date(2021, 5, 7)
BOOSTER_PRODUCTS = (PFIZER, MODERNA)


def first_dose_products(age: int, day: date) -> tuple[tuple[str, str], ...]:
    """The products a first dose could be on that day for that age, equally likely."""
    if day < AZ_AVAILABLE:
        return (PFIZER,)
    if age < 40 and day >= AZ_UNDER_40_END:
        return (PFIZER, PFIZER, MODERNA)
    if day >= MODERNA_AVAILABLE:
        return (ASTRAZENECA, PFIZER, MODERNA)
    return (ASTRAZENECA, ASTRAZENECA, PFIZER)


@dataclass(frozen=True, slots=True)
class Doses:
    """Doses given to residents, one row each, grouped by person in dose order."""

    person: Ints  # row in Residents
    dose: Ints
    day: Ints  # proleptic Gregorian ordinal


def doses(
    residents: Residents, rng: np.random.Generator, *, london: bool, start: date, end: date
) -> Doses:
    """The doses the residents take, of those given from start to end inclusive."""
    age, group = residents.age, residents.jcvi_group
    factor = _ethnic_factors(residents.true_ethnic_code) * _imd_factors()[residents.imd_decile]
    u = rng.random((6, len(residents)))
    region = LONDON_FACTOR if london else 1.0
    uptake = np.minimum(0.99, _uptake_by_age()[age] * region * factor)
    # Health and social care workers were vaccinated at work, whatever their age.
    uptake = np.where(residents.health_social_care_worker, np.maximum(uptake, 0.9 * factor), uptake)
    eligible = _eligibility()[age, group]
    takes = (u[0] < uptake) & (eligible <= end.toordinal())
    mean_delay = np.where(age >= 70, 6, 7) * (1 + 3 * (1 - factor))
    first = eligible + whole_exponential(u[1], mean_delay)
    # Under-16s had one dose in 2021.
    seconds = takes & (age >= 16) & (u[2] < np.where(age < 30, 0.92, 0.96))
    # 8 to 12 weeks: nearer 12 until mid-May 2021, when it was cut to 8 for the over-40s.
    earliest = np.where(first < SHORTER_INTERVAL.toordinal(), 77, 56)
    second = first + earliest + (u[3] * (85 - earliest)).astype(np.int64)
    priority = (group > 0) & (group <= 6)
    boosters = seconds & ((age >= 50) | priority) & (u[4] < 0.9 * factor)
    booster = np.maximum(BOOSTERS_START.toordinal(), second + 182)
    booster += whole_exponential(u[5], mean_delay)
    people, numbers, days = [], [], []
    for number, given, day in ((1, takes, first), (2, seconds, second), (3, boosters, booster)):
        rows = np.flatnonzero(given & (day >= start.toordinal()) & (day <= end.toordinal()))
        people.append(rows)
        numbers.append(np.full(len(rows), number, dtype=np.int64))
        days.append(day[rows])
    person = np.concatenate(people)
    order = np.argsort(person, kind="stable")
    return Doses(person[order], np.concatenate(numbers)[order], np.concatenate(days)[order])


def _ethnic_factors(codes: Objects) -> npt.NDArray[np.float64]:
    return np.fromiter(map(ETHNIC_FACTOR.__getitem__, codes), dtype=np.float64, count=len(codes))


@functools.cache
def _imd_factors() -> npt.NDArray[np.float64]:
    # Indexed by decile; 0 is an unknown decile.
    return np.array([imd_factor(None), *(imd_factor(decile) for decile in range(1, 11))])


@functools.cache
def _uptake_by_age() -> npt.NDArray[np.float64]:
    return np.array([base_uptake(age) for age in range(MAX_SIMULATED_AGE + 1)])


@functools.cache
def _eligibility() -> Ints:
    # Ordinal of eligible_from(age, group), indexed [age, group]; group 0 is none, and a day
    # far in the future stands for never.
    never = date.max.toordinal() + 1
    table = np.full((MAX_SIMULATED_AGE + 1, 10), never, dtype=np.int64)
    for age in range(MAX_SIMULATED_AGE + 1):
        for group in range(10):
            day = eligible_from(age, group or None)
            if day is not None:
                table[age, group] = day.toordinal()
    return table
