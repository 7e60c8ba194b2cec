"""Cohorts people are counted in: age bands, JCVI priority groups, IMD deciles, ethnic groups.

Age bands
    ``AGE_BANDS`` are the finest bands counted: 0-15, 16-17, 18-24, then five-year bands to
    85-89, and 90+. Every other set of bands is a union of them, and each edge is an edge of
    the population sources that matter (16 and 18 are NIMS's published aggregates, 25 to 80
    its bands, 90+ the top of the ONS estimates), so the counts of any cohort a council asks
    for (16+, 18+, 50+, 65+, 50-64 …) are sums of published age-band counts.
    ``JCVI_AGE_BANDS`` follow the cohorts the 2021 programme invited in turn: 80+, 75-79,
    70-74, 65-69, 60-64, 55-59, 50-54 (phase 1), then 40-49, 30-39, 25-29, 18-24 (phase 2),
    with 16-17 and 0-15 kept apart because they were offered vaccination later and on
    different terms. Phase 2 opened 40-49 as one cohort but 30-39 in steps (38-39 … 30-31);
    ten-year bands keep denominators stable while still showing the roll-out order.
    ``CROSS_AGE_BANDS`` are the rows of the age band × ethnic group cross: unions of age bands
    that the Census 2021 ethnic group × age table can give a population for (it has 16-19,
    20-21 and 22-24 but no split at 18, and 65+ as one band).

JCVI priority groups
    Groups 1-9 of the JCVI advice of 30 December 2020. People outside them (phase 2) have no
    group.

IMD deciles
    English Indices of Deprivation 2019, decile 1 = most deprived 10% of neighbourhoods.

Ethnic groups: NHS ethnic category (2001 census codes) to Census 2021 categories
    Labels are exactly those of the Census 2021 files, so denominators join on them.

    - A British → "White: English, Welsh, Scottish, Northern Irish or British".
    - B Irish → "White: Irish".
    - C Any other White → "White: Other White". Census 2021 also has "Gypsy or Irish
      Traveller" and "Roma", which have no NHS 2001 code: such people are recorded as C, so the
      detailed breakdown's denominator for Other White includes those two census groups.
    - D, E, F, G → the census Mixed groups White and Black Caribbean, White and Black
      African, White and Asian, Other Mixed or Multiple ethnic groups.
    - H Indian, J Pakistani, K Bangladeshi, L Any other Asian → census Asian Indian,
      Pakistani, Bangladeshi, Other Asian.
    - M Caribbean, N African, P Any other Black → census Black Caribbean, African, Other Black.
    - R Chinese → "Asian, Asian British or Asian Welsh: Chinese". In the 2001 codes Chinese
      sits under "Other ethnic groups"; Census 2021 (like 2011) puts it under Asian, and the
      denominator is there, so the 5-group of R is Asian.
    - S Any other ethnic group → "Other ethnic group: Any other ethnic group". Census 2021 has
      a separate "Arab" category with no NHS 2001 code; Arab people are recorded as S, so the
      detailed breakdown's denominator for Any other ethnic group includes Arab.
    - Z Not stated, 99 Not known → ``NOT_STATED`` in both breakdowns, with no denominator.
"""

from __future__ import annotations

from types import MappingProxyType

# Single-year ages in the population file run 0..90, where 90 stands for 90 and over.
OLDEST_AGE = 90
# Ages above this are treated as data errors by validation.
MAX_AGE = 120

AgeBands = tuple[tuple[str, int, int | None], ...]
"""(label, first age, last age or None for "and over"), youngest first."""

AGE_BAND_RANGES: AgeBands = (
    ("0-15", 0, 15),
    ("16-17", 16, 17),
    ("18-24", 18, 24),
    *((f"{lo}-{lo + 4}", lo, lo + 4) for lo in range(25, OLDEST_AGE, 5)),
    (f"{OLDEST_AGE}+", OLDEST_AGE, None),
)
AGE_BANDS: tuple[str, ...] = tuple(band for band, _, _ in AGE_BAND_RANGES)

JCVI_AGE_BANDS: AgeBands = (
    ("0-15", 0, 15),
    ("16-17", 16, 17),
    ("18-24", 18, 24),
    ("25-29", 25, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-54", 50, 54),
    ("55-59", 55, 59),
    ("60-64", 60, 64),
    ("65-69", 65, 69),
    ("70-74", 70, 74),
    ("75-79", 75, 79),
    ("80+", 80, None),
)

CROSS_AGE_BANDS: AgeBands = (
    ("0-15", 0, 15),
    ("16-24", 16, 24),
    ("25-29", 25, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-54", 50, 54),
    ("55-59", 55, 59),
    ("60-64", 60, 64),
    ("65+", 65, None),
)


def _band_table(bands: AgeBands) -> tuple[str, ...]:
    table = []
    for age in range(MAX_AGE + 1):
        table.append(next(b for b, lo, hi in bands if lo <= age and (hi is None or age <= hi)))
    return tuple(table)


# Indexed by age in years (0..MAX_AGE): cheap enough for the aggregator's hot path.
AGE_TO_BAND: tuple[str, ...] = _band_table(AGE_BAND_RANGES)
AGE_TO_JCVI_BAND: tuple[str, ...] = _band_table(JCVI_AGE_BANDS)
AGE_TO_CROSS_BAND: tuple[str, ...] = _band_table(CROSS_AGE_BANDS)

JCVI_GROUPS: MappingProxyType[int, str] = MappingProxyType(
    {
        1: "Residents in a care home for older adults and their carers",
        2: "All those 80 years of age and over and frontline health and social care workers",
        3: "All those 75 years of age and over",
        4: "All those 70 years of age and over and clinically extremely vulnerable individuals",
        5: "All those 65 years of age and over",
        6: "All individuals aged 16 years to 64 years with underlying health conditions",
        7: "All those 60 years of age and over",
        8: "All those 55 years of age and over",
        9: "All those 50 years of age and over",
    }
)


def jcvi_group_for(
    age: int,
    *,
    care_home_resident: bool = False,
    health_social_care_worker: bool = False,
    clinically_extremely_vulnerable: bool = False,
    at_risk: bool = False,
) -> int | None:
    """The JCVI priority group (1-9) of a person, or None outside the priority groups."""
    if care_home_resident:
        return 1
    if age >= 80 or health_social_care_worker:
        return 2
    if age >= 75:
        return 3
    # Phase 1 offered vaccines licensed from 16, so the conditions count from 16.
    if age >= 70 or (clinically_extremely_vulnerable and age >= 16):
        return 4
    if age >= 65:
        return 5
    if at_risk and age >= 16:
        return 6
    for group, lowest_age in ((7, 60), (8, 55), (9, 50)):
        if age >= lowest_age:
            return group
    return None


IMD_DECILES: tuple[int, ...] = tuple(range(1, 11))

NOT_STATED = "Not stated or not known"

ASIAN = "Asian, Asian British or Asian Welsh"
BLACK = "Black, Black British, Black Welsh, Caribbean or African"
MIXED = "Mixed or Multiple ethnic groups"
WHITE = "White"
OTHER = "Other ethnic group"

# Display order of the ONS classification.
ETHNIC_GROUPS_5: tuple[str, ...] = (WHITE, MIXED, ASIAN, BLACK, OTHER)

NHS_ETHNIC_CATEGORIES: MappingProxyType[str, str] = MappingProxyType(
    {
        "A": "British",
        "B": "Irish",
        "C": "Any other White background",
        "D": "White and Black Caribbean",
        "E": "White and Black African",
        "F": "White and Asian",
        "G": "Any other mixed background",
        "H": "Indian",
        "J": "Pakistani",
        "K": "Bangladeshi",
        "L": "Any other Asian background",
        "M": "Caribbean",
        "N": "African",
        "P": "Any other Black background",
        "R": "Chinese",
        "S": "Any other ethnic group",
        "Z": "Not stated",
        "99": "Not known",
    }
)

NHS_TO_CENSUS_19: MappingProxyType[str, str] = MappingProxyType(
    {
        "A": f"{WHITE}: English, Welsh, Scottish, Northern Irish or British",
        "B": f"{WHITE}: Irish",
        "C": f"{WHITE}: Other White",
        "D": f"{MIXED}: White and Black Caribbean",
        "E": f"{MIXED}: White and Black African",
        "F": f"{MIXED}: White and Asian",
        "G": f"{MIXED}: Other Mixed or Multiple ethnic groups",
        "H": f"{ASIAN}: Indian",
        "J": f"{ASIAN}: Pakistani",
        "K": f"{ASIAN}: Bangladeshi",
        "L": f"{ASIAN}: Other Asian",
        "M": f"{BLACK}: Caribbean",
        "N": f"{BLACK}: African",
        "P": f"{BLACK}: Other Black",
        "R": f"{ASIAN}: Chinese",
        "S": f"{OTHER}: Any other ethnic group",
        "Z": NOT_STATED,
        "99": NOT_STATED,
    }
)

NHS_TO_CENSUS_5: MappingProxyType[str, str] = MappingProxyType(
    {code: group.split(":")[0] for code, group in NHS_TO_CENSUS_19.items()}
)

# Census groups without an NHS code, folded into the group their members are recorded under.
CENSUS_19_FOLDED: MappingProxyType[str, str] = MappingProxyType(
    {
        f"{WHITE}: Gypsy or Irish Traveller": NHS_TO_CENSUS_19["C"],
        f"{WHITE}: Roma": NHS_TO_CENSUS_19["C"],
        f"{OTHER}: Arab": NHS_TO_CENSUS_19["S"],
    }
)

# The detailed groups an event can be counted in, in display order (Chinese among Asian).
ETHNIC_GROUPS_19_RECORDED: tuple[str, ...] = tuple(
    NHS_TO_CENSUS_19[code] for code in "ABCDEFGHJKRLMNPS"
)

# How a person in each census group is recorded in NHS data (used to simulate records).
CENSUS_19_TO_NHS: MappingProxyType[str, str] = MappingProxyType(
    {
        **{group: code for code, group in NHS_TO_CENSUS_19.items() if group != NOT_STATED},
        **{
            census: {v: k for k, v in NHS_TO_CENSUS_19.items()}[to]
            for census, to in CENSUS_19_FOLDED.items()
        },
    }
)
