"""The shipped population tables, as counts by age band per key (an LTLA, an MSOA, a cohort).

Every table holds, per key, the counts of consecutive age bands starting at its ``edges`` (the
last band open-ended), kept as prefix sums so the population of any range the bands can form
is one subtraction. Sources (see ``data/SOURCES.md``):

- ONS mid-2020 estimates: LTLA × sex and MSOA (2011) by single year 0-89 and 90+; LTLA × IMD
  2019 decile by single year (built from LSOAs).
- Census 2021: LTLA × ethnic group (5) × sex in 13 bands (0-15, 16-19, 20-21, 22-24, 25-29,
  five-year bands to 60-64, 65+); LTLA × the 19 detailed groups, all ages.
- NHS England NIMS register, 6 July 2021: LTLA and MSOA in the bands Under 18, 18-24, 25-29,
  …, 75-79, 80+ with the published aggregates 16+ and 18+. 16-17 is 16+ minus 18+ and 0-15
  is Under 18 minus that (both published figures, so the split is exact).
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from services.reference.age_ranges import AgeRange, edges_of
from services.reference.data_files import read_rows, read_table

SINGLE_YEAR_LABELS: tuple[str, ...] = (*(str(age) for age in range(90)), "90+")
SINGLE_YEAR_EDGES: tuple[int, ...] = tuple(range(91))
CENSUS_BANDS: tuple[str, ...] = (
    "0-15",
    "16-19",
    "20-21",
    "22-24",
    *(f"{lo}-{lo + 4}" for lo in range(25, 65, 5)),
    "65+",
)
CENSUS_EDGES = edges_of(CENSUS_BANDS)
NIMS_BANDS: tuple[str, ...] = (
    "0-15",
    "16-17",
    "18-24",
    *(f"{lo}-{lo + 4}" for lo in range(25, 80, 5)),
    "80+",
)
NIMS_EDGES = edges_of(NIMS_BANDS)
_NIMS_PUBLISHED = ("Under 18", *NIMS_BANDS[2:], "18+", "16+")


@dataclass(frozen=True, eq=False)
class BandTable:
    """Counts by age band per key; ``prefix[key][i]`` is the sum of the bands before band i."""

    edges: tuple[int, ...]
    prefix: Mapping[Hashable, npt.NDArray[np.int64]]

    @classmethod
    def from_counts(cls, edges: tuple[int, ...], counts: Mapping[Any, Iterable[int]]) -> BandTable:
        """Build one from plain counts per key (one per band)."""
        prefix = {}
        for key, values in counts.items():
            array = np.array(list(values), dtype=np.int64)
            if array.shape != (len(edges),):
                raise ValueError(f"{key}: want {len(edges)} bands, got {array.shape}")
            prefix[key] = np.concatenate(([0], np.cumsum(array)))
        return cls(edges, MappingProxyType(prefix))

    def fits(self, ages: AgeRange) -> bool:
        """Whether the bands can form this range exactly."""
        return ages.fits(self.edges)

    def sum(self, keys: Iterable[Hashable], ages: AgeRange) -> int:
        """Population aged ``ages`` over the keys (absent keys count 0); the range must fit."""
        if not self.fits(ages):
            raise ValueError(f"ages {ages} do not fit the bands starting at {self.edges}")
        i = self.edges.index(ages.lo)
        j = len(self.edges) if ages.end is None else self.edges.index(ages.end)
        total = 0
        for key in keys:
            row = self.prefix.get(key)
            if row is not None:
                total += int(row[j] - row[i])
        return total

    def has(self, key: Hashable) -> bool:
        """Whether the table holds this key."""
        return key in self.prefix

    def counts(self, key: Hashable) -> npt.NDArray[np.int64]:
        """The band counts of one key (zeros if absent)."""
        row = self.prefix.get(key)
        return np.zeros(len(self.edges), dtype=np.int64) if row is None else np.diff(row)


@dataclass(frozen=True, eq=False)
class PopulationTables:
    """Every shipped denominator table."""

    ons_sex: BandTable  # (ltla, "F" | "M")
    ons_msoa: BandTable  # msoa code
    ons_imd: BandTable  # (ltla, decile 1-10)
    census: BandTable  # (ltla, ethnic group 5, "F" | "M")
    census_detailed: Mapping[str, Mapping[str, int]]  # ltla -> census 19-group label -> all ages
    nims: BandTable  # ltla
    nims_msoa: BandTable  # msoa code
    msoa_ltla: Mapping[str, str]  # msoa code -> ltla code (of every MSOA with figures)


def _single_years(name: str, key_columns: int) -> dict[tuple[str, ...], list[int]]:
    header, rows = read_table(name)
    if tuple(header[key_columns:]) != SINGLE_YEAR_LABELS:
        raise ValueError(f"{name}: unexpected age columns")
    return {tuple(r[:key_columns]): [int(v) for v in r[key_columns:]] for r in rows}


def _nims(name: str, key_columns: int) -> dict[tuple[str, ...], list[int]]:
    header, rows = read_table(name)
    if tuple(header[key_columns:]) != _NIMS_PUBLISHED:
        raise ValueError(f"{name}: unexpected NIMS bands")
    out = {}
    for r in rows:
        under_18, *bands, over_18, over_16 = (int(v) for v in r[key_columns:])
        aged_16_17 = over_16 - over_18
        out[tuple(r[:key_columns])] = [under_18 - aged_16_17, aged_16_17, *bands]
    return out


@functools.cache
def load_population_tables() -> PopulationTables:
    """Read the shipped files once."""
    sexes = _single_years("population_ltla_sex_single_year_mid2020", 2)
    msoas = _single_years("population_msoa11_single_year_mid2020", 2)
    imd = _single_years("population_ltla_imd_decile_single_year_mid2020", 3)
    header, rows = read_table("census2021_ltla_ethnic5_sex_age13")
    if tuple(header[3:]) != CENSUS_BANDS:
        raise ValueError("census table: unexpected age bands")
    census = {(r[0], r[1], r[2]): [int(v) for v in r[3:]] for r in rows}
    detailed: dict[str, dict[str, int]] = {}
    for row in read_rows("ethnicity_ltla_census2021_19groups"):
        detailed.setdefault(row["ltla_code"], {})[row["ethnic_group_19"]] = int(row["population"])
    nims_msoa = _nims("nims_msoa11_population_20210706", 2)
    return PopulationTables(
        ons_sex=BandTable.from_counts(SINGLE_YEAR_EDGES, sexes),
        ons_msoa=BandTable.from_counts(SINGLE_YEAR_EDGES, {k[0]: v for k, v in msoas.items()}),
        ons_imd=BandTable.from_counts(
            SINGLE_YEAR_EDGES, {(k[0], int(k[1])): v for k, v in imd.items()}
        ),
        census=BandTable.from_counts(CENSUS_EDGES, census),
        census_detailed=MappingProxyType(
            {code: MappingProxyType(groups) for code, groups in detailed.items()}
        ),
        nims=BandTable.from_counts(
            NIMS_EDGES, {k[0]: v for k, v in _nims("nims_ltla_population_20210706", 1).items()}
        ),
        nims_msoa=BandTable.from_counts(NIMS_EDGES, {k[0]: v for k, v in nims_msoa.items()}),
        msoa_ltla=MappingProxyType({k[0]: k[1] for k in msoas}),
    )
