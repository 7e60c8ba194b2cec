"""England's areas, April 2021 geography: LTLA -> UTLA -> region -> England, legacy codes and
MSOAs.

Public health is an upper-tier function: a county UTLA (E10) contains several LTLAs, while
unitary, metropolitan and London LTLAs are their own UTLA under the same code.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from services.reference.data_files import read_rows

AreaType = Literal["ltla", "utla", "region", "country"]
ENGLAND = "E92000001"
"""ONS code of England, the country every region lies in."""


@dataclass(frozen=True, slots=True)
class Area:
    """One area with its mid-2020 resident population."""

    code: str
    name: str
    type: AreaType
    parent_code: str | None
    population: int


@dataclass(frozen=True, slots=True)
class Msoa:
    """A 2011 middle layer super output area and its mid-2020 population."""

    code: str
    name: str
    ltla_code: str
    population: int


class AreaRegistry:
    """Immutable lookup of areas by code; build it with ``load_areas()``."""

    def __init__(
        self,
        *,
        ltlas: dict[str, Area],
        utlas: dict[str, Area],
        regions: dict[str, Area],
        legacy: dict[str, str],
        msoas: dict[str, Msoa],
        country: Area | None = None,
    ) -> None:
        self._ltlas = MappingProxyType(dict(sorted(ltlas.items())))
        self._utlas = MappingProxyType(dict(sorted(utlas.items())))
        self._regions = MappingProxyType(dict(sorted(regions.items())))
        self._country = country
        self._legacy = MappingProxyType(legacy)
        self._msoas = MappingProxyType(msoas)
        children: dict[str, list[str]] = defaultdict(list)
        for ltla in self._ltlas.values():
            # A unitary LTLA is its own UTLA: it is not its own child.
            if ltla.parent_code is not None and ltla.parent_code != ltla.code:
                children[ltla.parent_code].append(ltla.code)
        for utla in self._utlas.values():
            if utla.parent_code is not None:
                children[utla.parent_code].append(utla.code)
        for each in self._regions.values():
            if each.parent_code is not None:
                children[each.parent_code].append(each.code)
        self._children = {code: tuple(sorted(codes)) for code, codes in children.items()}
        in_utla: dict[str, list[str]] = defaultdict(list)
        in_region: dict[str, list[str]] = defaultdict(list)
        for ltla in self._ltlas.values():
            if ltla.parent_code is not None:
                in_utla[ltla.parent_code].append(ltla.code)
                region = self._utlas[ltla.parent_code].parent_code
                if region is not None:
                    in_region[region].append(ltla.code)
        self._ltlas_in: dict[str, tuple[str, ...]] = {c: (c,) for c in self._ltlas}
        if country is not None:
            self._ltlas_in[country.code] = tuple(self._ltlas)
        for code, codes in (*in_utla.items(), *in_region.items()):
            # Unitary codes are both LTLA and UTLA: either way they hold just themselves.
            self._ltlas_in.setdefault(code, tuple(sorted(codes)))
        by_ltla: dict[str, list[str]] = defaultdict(list)
        for msoa in self._msoas.values():
            by_ltla[msoa.ltla_code].append(msoa.code)
        self._msoas_in = {code: tuple(sorted(codes)) for code, codes in by_ltla.items()}

    def get(self, code: str) -> Area | None:
        """Return the area with this code, preferring the UTLA for unitary codes."""
        found = self._utlas.get(code) or self._ltlas.get(code) or self._regions.get(code)
        if found is None and self._country is not None and code == self._country.code:
            return self._country
        return found

    def country(self) -> Area | None:
        """England, whose headline every release publishes."""
        return self._country

    def ltla(self, code: str) -> Area | None:
        """Return the LTLA with this current code."""
        return self._ltlas.get(code)

    def ltlas(self) -> tuple[Area, ...]:
        """All 309 LTLAs, sorted by code."""
        return tuple(self._ltlas.values())

    def utlas(self) -> tuple[Area, ...]:
        """All 152 UTLAs, sorted by code."""
        return tuple(self._utlas.values())

    def regions(self) -> tuple[Area, ...]:
        """All 9 regions, sorted by code."""
        return tuple(self._regions.values())

    def ltla_codes_in(self, code: str) -> tuple[str, ...]:
        """The LTLA codes an area covers: itself for an LTLA; empty for an unknown code."""
        return self._ltlas_in.get(code, ())

    def children(self, code: str) -> tuple[str, ...]:
        """The codes one tier below: a region's UTLAs, a county's districts; else empty."""
        return self._children.get(code, ())

    def resolve_ltla(self, code: str) -> str | None:
        """The current LTLA code for a current or legacy (pre-2021) LTLA code."""
        if code in self._ltlas:
            return code
        return self._legacy.get(code)

    def msoa(self, code: str) -> Msoa | None:
        """Return the MSOA with this 2011 code."""
        return self._msoas.get(code)

    def msoa_ltla(self, msoa_code: str) -> str | None:
        """The LTLA an MSOA lies in."""
        msoa = self._msoas.get(msoa_code)
        return msoa.ltla_code if msoa else None

    def msoas_in(self, ltla_code: str) -> tuple[str, ...]:
        """The MSOA codes of one LTLA, sorted."""
        return self._msoas_in.get(ltla_code, ())

    def msoa_name(self, msoa_code: str) -> str | None:
        """The House of Commons Library name of an MSOA."""
        msoa = self._msoas.get(msoa_code)
        return msoa.name if msoa else None


@functools.cache
def load_areas() -> AreaRegistry:
    """Load the shipped area lookups once."""
    population = {
        row["ltla_code"]: int(row["population"])
        for row in read_rows("population_ltla_total_mid2020")
    }
    ltlas: dict[str, Area] = {}
    utla_pop: dict[str, int] = defaultdict(int)
    region_pop: dict[str, int] = defaultdict(int)
    for row in read_rows("ltla_lookup_2021"):
        pop = population[row["ltla_code"]]
        ltlas[row["ltla_code"]] = Area(
            row["ltla_code"], row["ltla_name"], "ltla", row["utla_code"], pop
        )
        utla_pop[row["utla_code"]] += pop
        region_pop[row["region_code"]] += pop
    utlas = {
        row["utla_code"]: Area(
            row["utla_code"],
            row["utla_name"],
            "utla",
            row["region_code"],
            utla_pop[row["utla_code"]],
        )
        for row in read_rows("utla_lookup_2021")
    }
    regions = {
        row["region_code"]: Area(
            row["region_code"],
            row["region_name"],
            "region",
            ENGLAND,
            region_pop[row["region_code"]],
        )
        for row in read_rows("region_lookup")
    }
    england = Area(ENGLAND, "England", "country", None, sum(region_pop.values()))
    legacy = {
        row["legacy_ltla_code"]: row["ltla_code"] for row in read_rows("ltla_legacy_codes_to_2021")
    }
    msoas = {
        row["msoa11_code"]: Msoa(
            row["msoa11_code"],
            row["msoa11_hcl_name"] or row["msoa11_name"],
            row["ltla_code"],
            int(row["population_mid2020"]),
        )
        for row in read_rows("msoa11_to_ltla_2021")
    }
    return AreaRegistry(
        ltlas=ltlas, utlas=utlas, regions=regions, legacy=legacy, msoas=msoas, country=england
    )
