"""The breakdowns figures are counted and published by.

Each breakdown maps an event's cohort attributes to one group label (``group_of``, on the
aggregator's hot path, so it is a dict look-up) and lists the groups an LTLA can show
(``groups``). The populations their uptake is over are in ``breakdown_populations``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from services.reference import cohorts
from services.reference.areas import load_areas
from services.reference.errors import UnknownBreakdownError

UNKNOWN = "Unknown"
NO_PRIORITY_GROUP = "No priority group"
ALL = "all"
CROSS_SEPARATOR = "|"
SEXES: tuple[str, ...] = ("FEMALE", "MALE", "INDETERMINATE", "NOT_KNOWN")


class CohortAttributes(Protocol):
    """What a breakdown needs to know about an event (``VaccinationEvent`` has all of it)."""

    @property
    def age_years(self) -> int: ...
    @property
    def sex(self) -> str: ...
    @property
    def ethnic_category(self) -> str: ...
    @property
    def jcvi_group(self) -> int | None: ...
    @property
    def imd_decile(self) -> int | None: ...
    @property
    def msoa_code(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Breakdown:
    """One way of splitting counts into groups."""

    name: str
    title: str
    group_of: Callable[[CohortAttributes], str]
    groups: Callable[[str], tuple[str, ...]]


_AGE = dict(enumerate(cohorts.AGE_TO_BAND))
_AGE_JCVI = dict(enumerate(cohorts.AGE_TO_JCVI_BAND))
_SEX = {sex: sex for sex in SEXES}
_ETHNIC_5 = dict(cohorts.NHS_TO_CENSUS_5)
_ETHNIC_19 = dict(cohorts.NHS_TO_CENSUS_19)
_JCVI: dict[int | None, str] = {group: str(group) for group in cohorts.JCVI_GROUPS}
_IMD: dict[int | None, str] = {decile: str(decile) for decile in cohorts.IMD_DECILES}
_CROSS_UNKNOWN = {code: f"{UNKNOWN}{CROSS_SEPARATOR}{g}" for code, g in _ETHNIC_5.items()}
_AGE_CROSS = dict(enumerate(cohorts.AGE_TO_CROSS_BAND))
_CROSS = {
    age: {code: f"{band}{CROSS_SEPARATOR}{group}" for code, group in _ETHNIC_5.items()}
    for age, band in _AGE_CROSS.items()
}
_ETHNIC_5_GROUPS = (*cohorts.ETHNIC_GROUPS_5, cohorts.NOT_STATED)
_JCVI_BANDS = tuple(band for band, _, _ in cohorts.JCVI_AGE_BANDS)
_CROSS_BANDS = tuple(band for band, _, _ in cohorts.CROSS_AGE_BANDS)


def _cross_group(a: CohortAttributes) -> str:
    row = _CROSS.get(a.age_years)
    if row is None:
        return _CROSS_UNKNOWN.get(a.ethnic_category, f"{UNKNOWN}{CROSS_SEPARATOR}{UNKNOWN}")
    return row.get(a.ethnic_category) or f"{_AGE_CROSS[a.age_years]}{CROSS_SEPARATOR}{UNKNOWN}"


def _fixed(groups: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    return lambda _ltla: groups


def _msoa_groups(ltla_code: str) -> tuple[str, ...]:
    return (*load_areas().msoas_in(ltla_code), UNKNOWN)


_ALL_BREAKDOWNS = (
    Breakdown("none", "All people", lambda a: ALL, _fixed((ALL,))),
    Breakdown(
        "age_band",
        "Age band",
        lambda a: _AGE.get(a.age_years, UNKNOWN),
        _fixed(cohorts.AGE_BANDS),
    ),
    Breakdown(
        "jcvi_age_band",
        "Age band (JCVI cohorts)",
        lambda a: _AGE_JCVI.get(a.age_years, UNKNOWN),
        _fixed(_JCVI_BANDS),
    ),
    Breakdown(
        "jcvi_group",
        "JCVI priority group",
        lambda a: _JCVI.get(a.jcvi_group, NO_PRIORITY_GROUP),
        _fixed((*_JCVI.values(), NO_PRIORITY_GROUP)),
    ),
    Breakdown(
        "ethnic_group",
        "Ethnic group (Census 2021, 5 groups)",
        lambda a: _ETHNIC_5.get(a.ethnic_category, cohorts.NOT_STATED),
        _fixed(_ETHNIC_5_GROUPS),
    ),
    Breakdown(
        "ethnic_group_detailed",
        "Ethnic group (Census 2021, detailed)",
        lambda a: _ETHNIC_19.get(a.ethnic_category, cohorts.NOT_STATED),
        _fixed((*cohorts.ETHNIC_GROUPS_19_RECORDED, cohorts.NOT_STATED)),
    ),
    Breakdown("sex", "Sex", lambda a: _SEX.get(a.sex, "NOT_KNOWN"), _fixed(SEXES)),
    Breakdown(
        "imd_decile",
        "IMD 2019 decile (1 = most deprived)",
        lambda a: _IMD.get(a.imd_decile, UNKNOWN),
        _fixed((*_IMD.values(), UNKNOWN)),
    ),
    Breakdown(
        "msoa",
        "Neighbourhood (MSOA 2011)",
        lambda a: a.msoa_code or UNKNOWN,
        _msoa_groups,
    ),
    Breakdown(
        "age_band_ethnic_group",
        "Age band (census bands) by ethnic group",
        _cross_group,
        _fixed(tuple(f"{b}{CROSS_SEPARATOR}{g}" for b in _CROSS_BANDS for g in _ETHNIC_5_GROUPS)),
    ),
)

BREAKDOWNS: Mapping[str, Breakdown] = MappingProxyType({b.name: b for b in _ALL_BREAKDOWNS})
DEFAULT_BREAKDOWNS: tuple[str, ...] = tuple(BREAKDOWNS)


def select_breakdowns(names: Iterable[str] | str) -> tuple[Breakdown, ...]:
    """The breakdowns with these names (a list or a comma-separated string), in that order."""
    if isinstance(names, str):
        names = [name.strip() for name in names.split(",") if name.strip()]
    wanted = tuple(dict.fromkeys(names))
    unknown = [name for name in wanted if name not in BREAKDOWNS]
    if unknown:
        raise UnknownBreakdownError(
            f"unknown breakdown(s) {', '.join(unknown)}; known: {', '.join(BREAKDOWNS)}"
        )
    return tuple(BREAKDOWNS[name] for name in wanted)
