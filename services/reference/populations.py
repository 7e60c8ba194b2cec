"""Resident populations (denominators) by LTLA, summable to any UTLA or region.

Ages come from the ONS mid-2020 estimates (single years 0-89 and 90+, so any age band can be
summed); ethnic groups from Census 2021 (all ages; 5 and 19 groups); MSOAs from the mid-2020
small-area estimates.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from services.reference.cohorts import OLDEST_AGE
from services.reference.data_files import read_rows

# The 5-year bands of the published ONS file (0-4 … 85-89, 90+), kept as its cross-check.
AGE_BANDS_5Y: tuple[str, ...] = (
    *(f"{lo}-{lo + 4}" for lo in range(0, OLDEST_AGE, 5)),
    f"{OLDEST_AGE}+",
)


class PopulationTable:
    """Immutable denominators per LTLA; every method sums over the LTLA codes given."""

    def __init__(
        self,
        *,
        totals: dict[str, int],
        single_years: dict[str, tuple[int, ...]],
        ethnic_5: dict[str, dict[str, int]],
        ethnic_19: dict[str, dict[str, int]],
        msoas: dict[str, int],
    ) -> None:
        self._totals = MappingProxyType(totals)
        self._single_years = MappingProxyType(single_years)
        self._ethnic_5 = MappingProxyType({k: MappingProxyType(v) for k, v in ethnic_5.items()})
        self._ethnic_19 = MappingProxyType({k: MappingProxyType(v) for k, v in ethnic_19.items()})
        self._msoas = MappingProxyType(msoas)

    def total(self, ltla_codes: Iterable[str]) -> int:
        """Mid-2020 population of the given LTLAs."""
        return sum(self._totals.get(code, 0) for code in ltla_codes)

    def single_years(self, ltla_codes: Iterable[str]) -> tuple[int, ...]:
        """Population by single year of age 0..90 (index 90 = 90 and over)."""
        totals = [0] * (OLDEST_AGE + 1)
        for code in ltla_codes:
            for age, count in enumerate(self._single_years.get(code, ())):
                totals[age] += count
        return tuple(totals)

    def age_range(self, ltla_codes: Iterable[str], lo: int, hi: int | None = None) -> int:
        """Population aged lo..hi inclusive (hi None = lo and over)."""
        years = self.single_years(ltla_codes)
        top = OLDEST_AGE if hi is None else min(hi, OLDEST_AGE)
        return sum(years[lo : top + 1])

    def age_bands_5y(self, ltla_codes: Iterable[str]) -> dict[str, int]:
        """Population by 5-year band 0-4 … 85-89, 90+."""
        years = self.single_years(ltla_codes)
        return {band: sum(years[i * 5 : i * 5 + 5]) for i, band in enumerate(AGE_BANDS_5Y)}

    def ethnic_groups(self, ltla_codes: Iterable[str], *, detailed: bool = False) -> dict[str, int]:
        """Census 2021 population by ethnic group (5 groups, or 19 if detailed)."""
        source = self._ethnic_19 if detailed else self._ethnic_5
        totals: dict[str, int] = defaultdict(int)
        for code in ltla_codes:
            for group, count in source.get(code, {}).items():
                totals[group] += count
        return dict(totals)

    def ethnic_group_labels(self, *, detailed: bool = False) -> tuple[str, ...]:
        """The census ethnic group labels, in the order of the census files."""
        source = self._ethnic_19 if detailed else self._ethnic_5
        return tuple(next(iter(source.values())).keys())

    def msoa(self, msoa_code: str) -> int | None:
        """Mid-2020 population of one MSOA."""
        return self._msoas.get(msoa_code)

    def msoa_populations(self) -> Mapping[str, int]:
        """Every MSOA's mid-2020 population."""
        return self._msoas


@functools.cache
def load_populations() -> PopulationTable:
    """Load the shipped population files once."""
    totals = {
        row["ltla_code"]: int(row["population"])
        for row in read_rows("population_ltla_total_mid2020")
    }
    years: dict[str, list[int]] = defaultdict(lambda: [0] * (OLDEST_AGE + 1))
    for row in read_rows("population_ltla_single_year_mid2020"):
        years[row["ltla_code"]][int(row["age"])] = int(row["population"])
    ethnic_5: dict[str, dict[str, int]] = defaultdict(dict)
    for row in read_rows("ethnicity_ltla_census2021_5groups"):
        ethnic_5[row["ltla_code"]][row["ethnic_group_5"]] = int(row["population"])
    ethnic_19: dict[str, dict[str, int]] = defaultdict(dict)
    for row in read_rows("ethnicity_ltla_census2021_19groups"):
        ethnic_19[row["ltla_code"]][row["ethnic_group_19"]] = int(row["population"])
    msoas = {
        row["msoa11_code"]: int(row["population_mid2020"])
        for row in read_rows("msoa11_to_ltla_2021")
    }
    return PopulationTable(
        totals=totals,
        single_years={code: tuple(values) for code, values in years.items()},
        ethnic_5=dict(ethnic_5),
        ethnic_19=dict(ethnic_19),
        msoas=msoas,
    )
