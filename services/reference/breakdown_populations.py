"""What each breakdown's uptake is over: the population of a group, and the count to divide.

Every uptake figure is a published count over a population of stated ages (16+ unless the
caller chooses) from a stated source. For a breakdown this module says:

- which sources have populations for its groups (``RULES[...].sources``; the first is the
  default) and, for each group, that population or why there is none (``population``);
- which published cells add up to the group's count over the chosen ages (``numerator``):
  an age band's own cell (age bands, JCVI bands, the age × ethnic group cross: a band outside
  the chosen ages has no uptake); everyone's count aged 16+ as the sum of the age bands from
  16-17 up; an ethnic group's count aged 50+ as the sum of its cross cells from 50-54 up; or,
  where counts are not published by age (sex, deprivation decile, neighbourhood, the detailed
  ethnic groups), the group's own count of every age. Those are only compared with an
  open-ended population starting at 16 or 18 (or all ages), and the count of people
  vaccinated below that age in the area is reported beside them (``below``);
- whether a query can be answered at all (``check``): an age range the published cells or the
  source's bands cannot form is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from services.reference import cohorts
from services.reference.age_ranges import (
    ADULTS,
    ALL_AGES,
    AgeRange,
    band,
    describe_edges,
    edges_of,
)
from services.reference.breakdowns import ALL, BREAKDOWNS, CROSS_SEPARATOR
from services.reference.denominators import (
    EVERYONE,
    SOURCE_NAMES,
    Cohort,
    CohortKind,
    Denominators,
    Missing,
    NoPopulation,
    Population,
    Source,
    age_edges,
)
from services.reference.errors import UptakeQueryError

CountsByAge = Literal["band", "age_band", "cross", "all_ages"]
AGE_EDGES = edges_of(cohorts.AGE_BANDS)
CROSS_EDGES = edges_of(tuple(label for label, _, _ in cohorts.CROSS_AGE_BANDS))
CROSS = "age_band_ethnic_group"
_ALL_AGES_STARTS = (0, 16, 18)
"""An all-ages count is only compared with these open-ended populations (all, 16+, 18+)."""
_SEX_CODES = MappingProxyType({"FEMALE": "F", "MALE": "M"})


@dataclass(frozen=True, slots=True)
class Rule:
    """How one breakdown's groups get populations and age-restricted counts."""

    cohort: CohortKind | None
    """The kind of population its groups have (None: no population exists)."""
    sources: tuple[Source, ...]
    counts_by_age: CountsByAge


RULES: MappingProxyType[str, Rule] = MappingProxyType(
    {
        "none": Rule("everyone", (Source.ONS, Source.NIMS, Source.CENSUS), "age_band"),
        "age_band": Rule("everyone", (Source.ONS, Source.NIMS), "band"),
        "jcvi_age_band": Rule("everyone", (Source.ONS, Source.NIMS), "band"),
        "jcvi_group": Rule(None, (), "all_ages"),
        "ethnic_group": Rule("ethnic_group", (Source.CENSUS,), "cross"),
        "ethnic_group_detailed": Rule("ethnic_group_detailed", (Source.CENSUS,), "all_ages"),
        "sex": Rule("sex", (Source.ONS, Source.CENSUS), "all_ages"),
        "imd_decile": Rule("imd_decile", (Source.ONS,), "all_ages"),
        "msoa": Rule("msoa", (Source.ONS, Source.NIMS), "all_ages"),
        CROSS: Rule("ethnic_group", (Source.CENSUS,), "band"),
    }
)
NO_JCVI_POPULATION = (
    "JCVI priority groups combine age with care, clinical and occupational criteria; "
    "no population is published for them"
)


@dataclass(frozen=True, slots=True)
class Numerator:
    """The published cells (of one breakdown's table) whose sum is a group's count.

    Where the count is part of a group's whole (everyone aged 16+ of everyone), the same
    number is also the whole's published cell (``whole``: breakdown and group) less the
    published cells of ``breakdown`` outside the ages (``outside``), for when one of the
    cells inside is suppressed.
    """

    breakdown: str
    groups: tuple[str, ...]
    ages: AgeRange | None
    """The ages the count covers; None when it counts every age and cannot be restricted."""
    whole: tuple[str, str] | None = None
    outside: tuple[str, ...] = ()


def default_source(breakdown: str) -> Source | None:
    """The source a breakdown's populations come from unless the caller names another."""
    sources = RULES[breakdown].sources
    return sources[0] if sources else None


def of_every_age(ages: AgeRange) -> bool:
    """True for the ages a count of every age may stand for (all, 16+ and 18+)."""
    return ages.hi is None and ages.lo in _ALL_AGES_STARTS


def check(breakdown: str, ages: AgeRange, source: Source | None) -> Source | None:
    """The source to use (the default when None), or UptakeQueryError saying why not."""
    rule = RULES[breakdown]
    if rule.cohort is None:
        return None
    chosen = rule.sources[0] if source is None else source
    if chosen not in rule.sources:
        names = ", ".join(s.value for s in rule.sources)
        raise UptakeQueryError(
            f"source={chosen.value} has no populations for breakdown={breakdown}; "
            f"its sources are {names}"
        )
    if rule.counts_by_age == "age_band" and not ages.fits(AGE_EDGES):
        raise UptakeQueryError(
            f"ages={ages} cannot be used with breakdown={breakdown}: counts by age are "
            f"published in the bands {describe_edges(AGE_EDGES)}"
        )
    if rule.counts_by_age == "cross" and not ages.fits(CROSS_EDGES):
        raise UptakeQueryError(
            f"ages={ages} cannot be used with breakdown={breakdown}: its counts by age are "
            f"published (breakdown={CROSS}) in the bands {describe_edges(CROSS_EDGES)}"
        )
    if rule.counts_by_age == "all_ages" and not of_every_age(ages):
        raise UptakeQueryError(
            f"ages={ages} cannot be used with breakdown={breakdown}: its counts are of every "
            "age (not published by age), so its uptake is only given over ages=all, 16+ or 18+"
        )
    edges = age_edges(rule.cohort, chosen)
    if rule.counts_by_age != "band" and not ages.fits(edges):
        raise UptakeQueryError(
            f"source={chosen.value} ({SOURCE_NAMES[chosen]}) counts people in the bands "
            f"{describe_edges(edges)}, which cannot form ages={ages}"
        )
    return chosen


def group_ages(breakdown: str, group: str) -> AgeRange | None:
    """The ages of a group of an age breakdown (None for other breakdowns or unknown labels)."""
    if RULES[breakdown].counts_by_age != "band":
        return None
    label = group.partition(CROSS_SEPARATOR)[0] if breakdown == CROSS else group
    try:
        return band(label)
    except ValueError:
        return None


def numerator(breakdown: str, group: str, ages: AgeRange) -> Numerator:
    """The published cells whose sum counts this group over ``ages`` (a checked query)."""
    rule = RULES[breakdown]
    if rule.counts_by_age == "band":
        return Numerator(breakdown, (group,), group_ages(breakdown, group))
    if rule.counts_by_age == "all_ages":
        return Numerator(breakdown, (group,), None)
    if ages == ALL_AGES:
        return Numerator(breakdown, (group,), ALL_AGES)
    if rule.counts_by_age == "age_band":
        inside = _bands_in(cohorts.AGE_BANDS, ages)
        outside = tuple(b for b in cohorts.AGE_BANDS if b not in inside)
        return Numerator("age_band", inside, ages, (breakdown, group), outside)
    rows = cross_bands(ages)
    cells = tuple(f"{row}{CROSS_SEPARATOR}{group}" for row, _, _ in cohorts.CROSS_AGE_BANDS)
    inside = tuple(f"{row}{CROSS_SEPARATOR}{group}" for row in rows)
    outside = tuple(c for c in cells if c not in inside)
    return Numerator(CROSS, inside, ages, (breakdown, group), outside)


def cross_bands(ages: AgeRange) -> tuple[str, ...]:
    """The rows of the age × ethnic group cross inside the ages (a range they can form)."""
    return _bands_in(tuple(label for label, _, _ in cohorts.CROSS_AGE_BANDS), ages)


def below(ages: AgeRange) -> tuple[str, ...]:
    """The age bands younger than an open-ended range starting at 0, 16 or 18."""
    return _bands_in(cohorts.AGE_BANDS, AgeRange(0, ages.lo - 1)) if ages.lo else ()


def population(
    denominators: Denominators,
    breakdown: str,
    group: str,
    ltla_codes: tuple[str, ...],
    ages: AgeRange,
    source: Source | None,
) -> Population | NoPopulation:
    """The population a group's uptake is over (a checked query), or why there is none."""
    if not any(group in BREAKDOWNS[breakdown].groups(code) for code in ltla_codes):
        return NoPopulation(
            Missing.MISSING_REFERENCE, f"{group!r} is not one of the {breakdown} groups here"
        )
    rule = RULES[breakdown]
    if rule.cohort is None or source is None:
        return NoPopulation(Missing.NOT_COUNTED, NO_JCVI_POPULATION)
    cohort = _cohort(breakdown, group)
    if rule.counts_by_age != "band":
        return denominators.population(ltla_codes, cohort, ages, source)
    own = group_ages(breakdown, group)
    if own is None:
        return NoPopulation(Missing.NOT_COUNTED, f"no population is counted for {group!r}")
    if not ages.overlaps(own):
        return NoPopulation(Missing.OUTSIDE_AGES, f"ages {own} are outside ages {ages}")
    if not ages.contains(own):
        return NoPopulation(
            Missing.PARTLY_OUTSIDE_AGES, f"ages {own} are only partly inside ages {ages}"
        )
    return denominators.population(ltla_codes, cohort, own, source)


def default_population(
    denominators: Denominators, breakdown: str, group: str, ltla_codes: tuple[str, ...]
) -> Population | NoPopulation:
    """A group's population over 16+ from its breakdown's default source."""
    return population(denominators, breakdown, group, ltla_codes, ADULTS, default_source(breakdown))


def residents(
    denominators: Denominators, breakdown: str, group: str, ltla_codes: tuple[str, ...]
) -> int | None:
    """How many residents of every age a group has (default source), or None if unknown."""
    found = population(
        denominators, breakdown, group, ltla_codes, ALL_AGES, default_source(breakdown)
    )
    return found.value if isinstance(found, Population) else None


def _cohort(breakdown: str, group: str) -> Cohort:
    kind = RULES[breakdown].cohort
    if kind is None or kind == "everyone" or group == ALL:
        return EVERYONE
    if breakdown == CROSS:
        return Cohort("ethnic_group", group.partition(CROSS_SEPARATOR)[2])
    if kind == "sex":
        return Cohort("sex", _SEX_CODES.get(group, group))
    return Cohort(kind, group)


def _bands_in(labels: tuple[str, ...], ages: AgeRange) -> tuple[str, ...]:
    return tuple(label for label in labels if ages.contains(band(label)))
