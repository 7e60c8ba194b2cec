"""Directly age-standardised uptake of ethnic groups, from published age × ethnic group counts.

An ethnic group's crude uptake mixes its age-specific uptake with its age structure: a young
group looks behind merely for being young. Direct standardisation removes that: for each band
b of the chosen ages (the census bands of the age × ethnic group table), the group's rate is
its published count in b over its Census 2021 population in b, and the standardised uptake is
the weighted mean of those rates, Σ w_b·rate_b / Σ w_b, with w_b the standard population in b:

- ``area``: the area's own Census 2021 population in b (all ethnic groups): the area itself
  then standardises to its crude uptake over the census population, so a group's gap to it
  is the gap its age-specific uptakes make;
- ``esp2013``: the 2013 European Standard Population (``services.reference.standard_population``).

The counts are those of ``services.api.uptake``: a band's published cell, or (where it is
suppressed) the group's count less its other published bands; the area's own figure uses its
age band counts. A band whose count cannot be formed, or that has no population, withholds
the figure, with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from services.api.uptake import (
    PART_SUPPRESSED,
    ZERO_POPULATION,
    PublishedCounts,
    numerator_counts,
)
from services.reference import breakdown_populations as rules
from services.reference.age_ranges import AgeRange, band
from services.reference.denominators import (
    EVERYONE,
    Cohort,
    Denominators,
    NoPopulation,
    Population,
    Source,
)
from services.reference.standard_population import esp_weight

Standard = Literal["area", "esp2013"]
STANDARD_NAMES: dict[str, str] = {
    "area": "the area's own Census 2021 population in the chosen ages",
    "esp2013": "the 2013 European Standard Population",
}
NOT_AVAILABLE = "not_age_standardised"
"""The breakdown's counts are not published by age, so no standardised figure exists."""


@dataclass(frozen=True, slots=True)
class Standardised:
    """An age-standardised uptake %, or why there is none."""

    percent: float | None
    reason: str | None


def standardised_uptake(
    published: PublishedCounts,
    denominators: Denominators,
    *,
    group: str | None,
    ltla_codes: tuple[str, ...],
    ages: AgeRange,
    standard: Standard,
    date_index: int,
) -> Standardised:
    """A group's (or, with ``group`` None, the whole area's) standardised uptake on a date."""
    weighted = weights = 0.0
    for label in rules.cross_bands(ages):
        ages_b = band(label)
        if group is None:
            plan = rules.numerator("none", "all", ages_b)
            cohort = EVERYONE
        else:
            plan = rules.numerator("ethnic_group", group, ages_b)
            cohort = Cohort("ethnic_group", group)
        counts = numerator_counts(published, plan)
        population = denominators.population(ltla_codes, cohort, ages_b, Source.CENSUS)
        if isinstance(population, NoPopulation):
            return Standardised(None, population.reason.value)
        if population.value <= 0:
            return Standardised(None, ZERO_POPULATION)
        if counts is None:
            return Standardised(None, NOT_AVAILABLE)
        count = counts.at(date_index)
        if count is None:
            return Standardised(None, PART_SUPPRESSED)
        weight = _weight(denominators, ltla_codes, ages_b, standard)
        weighted += weight * count / population.value
        weights += weight
    if weights <= 0:
        return Standardised(None, ZERO_POPULATION)
    return Standardised(math.floor(1000 * weighted / weights + 0.5) / 10, None)


def _weight(
    denominators: Denominators, ltla_codes: tuple[str, ...], ages: AgeRange, standard: Standard
) -> float:
    if standard == "esp2013":
        return esp_weight(ages)
    population = denominators.population(ltla_codes, EVERYONE, ages, Source.CENSUS)
    return float(population.value) if isinstance(population, Population) else 0.0
