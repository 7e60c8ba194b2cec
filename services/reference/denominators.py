"""Populations to divide uptake by: these LTLAs or this MSOA, a cohort, an age range, a source.

Every answer is either a ``Population`` (the figure, its source and its ages, and whether it is
an estimate) or a ``NoPopulation`` saying why there is none: the source publishes nothing for
that kind of group, its bands cannot form the age range, the group is not one a population is
counted for (ethnicity not stated, sex not known), and so on. Nothing here is rounded: these
are public figures, shown as their publishers print them.

Sources:
- ``ons``: ONS mid-2020 estimates (LTLA by sex and single year; MSOA by single year; IMD
  decile by single year). The service's default for everyone, age bands, sex, deprivation
  and neighbourhoods.
- ``census``: Census 2021 (ethnic group × sex × 13 age bands). The only source by ethnicity.
- ``nims``: NHS England's NIMS register on 6 July 2021 (LTLA and MSOA by age band), the
  denominators NHS England and the UKHSA dashboard used; inflated by list inflation.

The detailed (19-group) ethnic populations exist for all ages only. For an age range they are
estimated: the detailed group's all-ages census count times its five-group's share in that
range in the same LTLA (``estimated`` is then True). That assumes a detailed group has the age
structure of its five-group, which is not so (Other White residents are younger than White
British ones, for example); docs/denominators.md gives the known biases.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from services.reference import cohorts
from services.reference.age_ranges import ALL_AGES, AgeRange, describe_edges
from services.reference.population_tables import (
    CENSUS_EDGES,
    NIMS_EDGES,
    SINGLE_YEAR_EDGES,
    BandTable,
    PopulationTables,
    load_population_tables,
)


class Source(StrEnum):
    """Where a population figure comes from."""

    ONS = "ons"
    CENSUS = "census"
    NIMS = "nims"


SOURCE_NAMES: MappingProxyType[Source, str] = MappingProxyType(
    {
        Source.ONS: "ONS mid-2020 estimates",
        Source.CENSUS: "Census 2021",
        Source.NIMS: "NIMS (6 July 2021)",
    }
)


class Missing(StrEnum):
    """Why a group has no population (every reason but ``MISSING_REFERENCE`` is expected)."""

    NO_SOURCE = "no_source"
    AGE_RANGE = "unsupported_age_range"
    NOT_COUNTED = "not_counted"
    OUTSIDE_AREA = "outside_area"
    OUTSIDE_AGES = "outside_age_range"
    PARTLY_OUTSIDE_AGES = "partly_outside_age_range"
    MISSING_REFERENCE = "missing_reference_data"


@dataclass(frozen=True, slots=True)
class Population:
    """A denominator: the figure, where it comes from, the ages it covers."""

    value: int
    source: Source
    ages: AgeRange
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class NoPopulation:
    """Why there is no denominator: a reason code and a sentence for people."""

    reason: Missing
    detail: str


CohortKind = Literal[
    "everyone", "sex", "ethnic_group", "ethnic_group_detailed", "imd_decile", "msoa"
]
SEXES = ("F", "M")


@dataclass(frozen=True, slots=True)
class Cohort:
    """Who a population counts: everyone, or one sex, ethnic group, IMD decile or MSOA."""

    kind: CohortKind = "everyone"
    value: str = ""


EVERYONE = Cohort()

# Which sources have figures for which kind of cohort.
_SOURCES_FOR: MappingProxyType[CohortKind, tuple[Source, ...]] = MappingProxyType(
    {
        "everyone": (Source.ONS, Source.CENSUS, Source.NIMS),
        "sex": (Source.ONS, Source.CENSUS),
        "ethnic_group": (Source.CENSUS,),
        "ethnic_group_detailed": (Source.CENSUS,),
        "imd_decile": (Source.ONS,),
        "msoa": (Source.ONS, Source.NIMS),
    }
)


def sources_for(kind: CohortKind) -> tuple[Source, ...]:
    """The sources that publish populations for this kind of cohort."""
    return _SOURCES_FOR[kind]


def age_edges(kind: CohortKind, source: Source) -> tuple[int, ...]:
    """The first ages of the bands ``source`` counts this kind of cohort in."""
    if source is Source.NIMS:
        return NIMS_EDGES
    if source is Source.CENSUS:
        return CENSUS_EDGES
    return SINGLE_YEAR_EDGES


class Denominators:
    """Answers population questions from the shipped tables (pure; build with ``load``)."""

    def __init__(self, tables: PopulationTables) -> None:
        self._t = tables

    def population(
        self, ltla_codes: Sequence[str], cohort: Cohort, ages: AgeRange, source: Source
    ) -> Population | NoPopulation:
        """The population of the cohort aged ``ages`` living in the LTLAs, from ``source``."""
        if source not in _SOURCES_FOR[cohort.kind]:
            return _no_source(cohort, source)
        missing = [code for code in ltla_codes if not self._t.ons_sex.has((code, "F"))]
        if missing:
            return NoPopulation(Missing.MISSING_REFERENCE, f"no populations for {missing[0]}")
        if cohort.kind == "msoa":
            return self._msoa(ltla_codes, cohort.value, ages, source)
        if cohort.kind == "ethnic_group_detailed":
            return self._detailed(ltla_codes, cohort.value, ages)
        found = self._table_and_keys(ltla_codes, cohort, source)
        if isinstance(found, NoPopulation):
            return found
        table, keys = found
        return _summed(table, keys, ages, source)

    def _table_and_keys(
        self, ltlas: Sequence[str], cohort: Cohort, source: Source
    ) -> tuple[BandTable, list[Hashable]] | NoPopulation:
        kind, value = cohort.kind, cohort.value
        if kind == "sex" and value not in SEXES:
            return NoPopulation(Missing.NOT_COUNTED, f"no population is counted for sex {value}")
        if kind == "ethnic_group" and value not in cohorts.ETHNIC_GROUPS_5:
            return NoPopulation(Missing.NOT_COUNTED, f"no population is counted for {value!r}")
        if kind == "imd_decile":
            if value not in {str(d) for d in cohorts.IMD_DECILES}:
                return NoPopulation(Missing.NOT_COUNTED, "no population without an IMD decile")
            return self._t.ons_imd, [(code, int(value)) for code in ltlas]
        if source is Source.NIMS:
            return self._t.nims, list(ltlas)
        sexes = (value,) if kind == "sex" else SEXES
        if source is Source.ONS:
            return self._t.ons_sex, [(code, sex) for code in ltlas for sex in sexes]
        groups = (value,) if kind == "ethnic_group" else cohorts.ETHNIC_GROUPS_5
        keys: list[Hashable] = [(c, g, s) for c in ltlas for g in groups for s in sexes]
        return self._t.census, keys

    def _msoa(
        self, ltlas: Sequence[str], code: str, ages: AgeRange, source: Source
    ) -> Population | NoPopulation:
        ltla = self._t.msoa_ltla.get(code)
        table = self._t.nims_msoa if source is Source.NIMS else self._t.ons_msoa
        if ltla is None or not table.has(code):
            return NoPopulation(Missing.NOT_COUNTED, f"no population is counted for MSOA {code}")
        if ltla not in ltlas:
            return NoPopulation(Missing.OUTSIDE_AREA, f"MSOA {code} is not in this area")
        return _summed(table, [code], ages, source)

    def _detailed(
        self, ltlas: Sequence[str], group: str, ages: AgeRange
    ) -> Population | NoPopulation:
        parts = _census_parts(group)
        if not parts:
            return NoPopulation(Missing.NOT_COUNTED, f"no population is counted for {group!r}")
        five = group.split(":")[0]
        census = self._t.census
        if not census.fits(ages):
            return _no_range(Source.CENSUS, census, ages)
        total = 0.0
        for code in ltlas:
            detailed = self._t.census_detailed.get(code, {})
            count = sum(detailed.get(part, 0) for part in parts)
            keys = [(code, five, sex) for sex in SEXES]
            everyone = census.sum(keys, ALL_AGES)
            share = census.sum(keys, ages) / everyone if everyone else 0.0
            total += count * share
        return Population(int(total + 0.5), Source.CENSUS, ages, estimated=ages != ALL_AGES)


def _summed(
    table: BandTable, keys: list[Hashable], ages: AgeRange, source: Source
) -> Population | NoPopulation:
    if not table.fits(ages):
        return _no_range(source, table, ages)
    return Population(table.sum(keys, ages), source, ages)


def _no_range(source: Source, table: BandTable, ages: AgeRange) -> NoPopulation:
    return NoPopulation(
        Missing.AGE_RANGE,
        f"{SOURCE_NAMES[source]} counts people in the age bands {describe_edges(table.edges)}, "
        f"which cannot form ages {ages}",
    )


def _no_source(cohort: Cohort, source: Source) -> NoPopulation:
    kind = cohort.kind.replace("_", " ")
    names = " or ".join(s.value for s in _SOURCES_FOR[cohort.kind])
    return NoPopulation(
        Missing.NO_SOURCE,
        f"{SOURCE_NAMES[source]} has no populations by {kind}; use source={names}",
    )


@functools.cache
def _census_parts(group: str) -> tuple[str, ...]:
    """The census 19-group labels whose people are recorded in this detailed group."""
    if group not in cohorts.ETHNIC_GROUPS_19_RECORDED:
        return ()
    folded = (census for census, into in cohorts.CENSUS_19_FOLDED.items() if into == group)
    return (group, *folded)


@functools.cache
def load_denominators() -> Denominators:
    """The denominators of the shipped reference data (read once per process)."""
    return Denominators(load_population_tables())
