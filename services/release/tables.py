"""Turn a frozen snapshot of exact counts into the published tables of a release.

Each upper-tier area (UTLA) and dose is one family for disclosure control: the UTLA's tables
are the exact sums of its LTLAs' and are protected together with them, so a reader can not
difference a county against its districts. Regions are published as headline totals only.

The age band × ethnic group cross is linked to its ethnic group margin, and to a row margin
of its own (its rows summed over ethnic groups, on the census age bands). That row margin is
audited as if it were published but never is: its rows are unions of published age bands, so
a reader can rebuild each of them within rounding from the age band table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

import numpy as np

from services.disclosure.family import Cross, FamilyInput, Key, PreviousRelease, ProtectedFamily
from services.disclosure.policy import Policy
from services.disclosure.protect import protect_family
from services.disclosure.published import PublishedArray
from services.reference.areas import AreaRegistry
from services.reference.breakdowns import BREAKDOWNS
from services.releases.model import PublishedTable

CellKey = tuple[str, int, str]
Cells = Mapping[CellKey, Mapping[tuple[date, str], int]]
CROSS_ROWS = "age_band_ethnic_group:age"
"""The cross's row margin: audited with the family, never published."""
CROSS = Cross("age_band_ethnic_group", rows=CROSS_ROWS, cols="ethnic_group")


@dataclass(slots=True)
class ReleaseTables:
    """Everything a release publishes, plus what disclosure control did to get there."""

    tables: list[PublishedTable] = field(default_factory=list)
    exact: dict[tuple[str, int, str], tuple[tuple[str, ...], np.ndarray]] = field(
        default_factory=dict
    )
    primary_suppressed: int = 0
    secondary_suppressed: int = 0
    protected_cells: int = 0
    published_cells: int = 0
    failing_families: list[str] = field(default_factory=list)
    tightest_width: int | None = None


def date_range(first: date, last: date) -> tuple[date, ...]:
    """Every day from first to last inclusive."""
    return tuple(first + timedelta(days=i) for i in range((last - first).days + 1))


FamilyMapper = Callable[
    [Callable[[FamilyInput], ProtectedFamily], Sequence[FamilyInput]], Iterable[ProtectedFamily]
]
"""Applies a function to every family and yields the results in order (``map``, or a pool's)."""


def build_tables(
    cells: Cells,
    *,
    areas: AreaRegistry,
    breakdowns: Sequence[str],
    policy: Policy,
    dates: tuple[date, ...],
    doses: Sequence[int] = (1, 2, 3),
    previous: Mapping[tuple[str, int, str], tuple[tuple[str, ...], np.ndarray, PublishedTable]]
    | None = None,
    previous_dates: tuple[date, ...] = (),
    protection_width: int = 5,
    mapper: FamilyMapper = map,
) -> ReleaseTables:
    """Protect every family (UTLA × dose) and every region headline; collect the tables.

    Families are independent, so ``mapper`` may protect them in parallel processes.
    """
    families: list[tuple[FamilyInput, int, str]] = []
    for utla in areas.utlas():
        ltlas = areas.ltla_codes_in(utla.code)
        for dose in doses:
            family = _family(cells, utla.code, ltlas, dose, breakdowns, dates, areas)
            if previous:
                family = _with_previous(family, dose, previous, previous_dates, policy)
            families.append((family, dose, f"{utla.code} dose {dose}"))
    for region in areas.regions():
        ltlas = areas.ltla_codes_in(region.code)
        for dose in doses:
            total = sum(
                (_matrix(cells.get((ltla, dose, "none"), {}), ("all",), dates) for ltla in ltlas),
                np.zeros((1, len(dates)), dtype=np.int64),
            )
            family = FamilyInput(
                dates=dates,
                areas=(region.code,),
                children={},
                breakdowns={"none": ("all",)},
                exact_new={(region.code, "none"): total},
            )
            families.append((family, dose, f"{region.code} dose {dose}"))
    protect = partial(protect_family, policy=policy, protection_width=protection_width)
    out = ReleaseTables()
    protected = mapper(protect, [family for family, _, _ in families])
    for (family, dose, label), result in zip(families, protected, strict=True):
        _collect(out, family, result, dose, label)
    return out


def _family(
    cells: Cells,
    utla: str,
    ltlas: tuple[str, ...],
    dose: int,
    breakdowns: Sequence[str],
    dates: tuple[date, ...],
    areas: AreaRegistry,
) -> FamilyInput:
    shared: dict[str, tuple[str, ...]] = {}
    area_groups: dict[Key, tuple[str, ...]] = {}
    for b in breakdowns:
        seen = _observed_groups(cells, ltlas, dose, b)
        if b == "msoa":
            for ltla in ltlas:
                own = BREAKDOWNS[b].groups(ltla)
                extra = sorted(g for g in _observed_groups(cells, (ltla,), dose, b) if g not in own)
                area_groups[(ltla, b)] = (*own, *extra)
            if utla not in ltlas:
                area_groups[(utla, b)] = tuple(
                    dict.fromkeys(g for ltla in ltlas for g in area_groups[(ltla, b)])
                )
            shared[b] = area_groups[(ltlas[0], b)]
        else:
            base = BREAKDOWNS[b].groups(ltlas[0])
            shared[b] = (*base, *sorted(g for g in seen if g not in base))
    exact: dict[Key, np.ndarray] = {}
    for ltla in ltlas:
        for b in breakdowns:
            groups = area_groups.get((ltla, b), shared[b])
            exact[(ltla, b)] = _matrix(cells.get((ltla, dose, b), {}), groups, dates)
    family_areas = ltlas if utla in ltlas else (*ltlas, utla)
    if utla not in ltlas:
        for b in breakdowns:
            groups = area_groups.get((utla, b), shared[b])
            index = {g: i for i, g in enumerate(groups)}
            total = np.zeros((len(groups), len(dates)), dtype=np.int64)
            for ltla in ltlas:
                lower = area_groups.get((ltla, b), shared[b])
                rows = [index[g] for g in lower]
                np.add.at(total, rows, exact[(ltla, b)])
            exact[(utla, b)] = total
    crosses: tuple[Cross, ...] = ()
    if {CROSS.name, CROSS.cols} <= set(breakdowns):
        bands = tuple(dict.fromkeys(g.partition(CROSS.separator)[0] for g in shared[CROSS.name]))
        band_index = {label: i for i, label in enumerate(bands)}
        members = [band_index[g.partition(CROSS.separator)[0]] for g in shared[CROSS.name]]
        shared[CROSS_ROWS] = bands
        for area in family_areas:
            margin = np.zeros((len(bands), len(dates)), dtype=np.int64)
            np.add.at(margin, members, exact[(area, CROSS.name)])
            exact[(area, CROSS_ROWS)] = margin
        crosses = (CROSS,)
    return FamilyInput(
        dates=dates,
        areas=family_areas,
        children={utla: ltlas} if utla not in ltlas else {},
        breakdowns=shared,
        exact_new=exact,
        crosses=crosses,
        area_groups=area_groups,
    )


def _observed_groups(cells: Cells, ltlas: Iterable[str], dose: int, b: str) -> set[str]:
    return {group for ltla in ltlas for (_, group) in cells.get((ltla, dose, b), {})}


def _matrix(
    table: Mapping[tuple[date, str], int], groups: tuple[str, ...], dates: tuple[date, ...]
) -> np.ndarray:
    """Exact counts as [groups × dates]; cells after the last date are left out."""
    out = np.zeros((len(groups), len(dates)), dtype=np.int64)
    row = {g: i for i, g in enumerate(groups)}
    first = dates[0]
    width = len(dates)
    for (day, group), count in table.items():
        col = (day - first).days
        if 0 <= col < width:
            out[row[group], col] += count
    return out


def _with_previous(
    family: FamilyInput,
    dose: int,
    previous: Mapping[tuple[str, int, str], tuple[tuple[str, ...], np.ndarray, PublishedTable]],
    previous_dates: tuple[date, ...],
    policy: Policy,
) -> FamilyInput:
    """Attach the previous release's exact and published tables, aligned to this family."""
    width = len(previous_dates)
    if not width or previous_dates[0] != family.dates[0] or width > len(family.dates):
        return family
    exact: dict[Key, np.ndarray] = {}
    new: dict[Key, PublishedArray] = {}
    cum: dict[Key, PublishedArray] = {}
    for area, b in family.tables():
        found = previous.get((area, dose, b))
        if found is None:
            continue
        groups, old_exact, old_table = found
        current = family.groups(area, b)
        index = {g: i for i, g in enumerate(groups)}
        rows = [index.get(g) for g in current]
        exact[(area, b)] = _aligned(old_exact, rows, width)
        new[(area, b)] = _published(old_table.new, rows, width)
        cum[(area, b)] = _published(old_table.cumulative, rows, width)
    if not exact:
        return family
    prior = PreviousRelease(previous_dates, exact, new, cum, policy)
    return FamilyInput(
        dates=family.dates,
        areas=family.areas,
        children=family.children,
        breakdowns=family.breakdowns,
        exact_new=family.exact_new,
        crosses=family.crosses,
        area_groups=family.area_groups,
        previous=(prior,),
    )


def _aligned(matrix: np.ndarray, rows: list[int | None], width: int) -> np.ndarray:
    out = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        if r is not None:
            out[i] = matrix[r, :width]
    return out


def _published(
    values: tuple[tuple[int | None, ...], ...], rows: list[int | None], width: int
) -> PublishedArray:
    out = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=bool)
    for i, r in enumerate(rows):
        if r is None:
            continue
        for j, v in enumerate(values[r][:width]):
            if v is None:
                mask[i, j] = True
            else:
                out[i, j] = v
    return PublishedArray.from_values(out, mask)


def _collect(
    out: ReleaseTables,
    family: FamilyInput,
    protected: ProtectedFamily,
    dose: int,
    label: str,
) -> None:
    out.primary_suppressed += protected.primary_suppressed
    out.secondary_suppressed += protected.secondary_suppressed
    out.protected_cells += protected.protected_cells
    if not protected.audit_passed:
        out.failing_families.append(label)
    if protected.tightest is not None:
        width = protected.tightest.width
        out.tightest_width = width if out.tightest_width is None else min(out.tightest_width, width)
    for area, b in family.tables():
        if b == CROSS_ROWS:
            continue
        groups = family.groups(area, b)
        new = protected.new[(area, b)]
        out.published_cells += 2 * new.values.size
        out.tables.append(
            PublishedTable(
                area=area,
                dose=dose,
                breakdown=b,
                first_date=family.dates[0],
                groups=groups,
                new=tuple(tuple(r) for r in new.to_optional()),
                cumulative=tuple(tuple(r) for r in protected.cumulative[(area, b)].to_optional()),
            )
        )
        out.exact[(area, dose, b)] = (groups, family.exact_new[(area, b)])
