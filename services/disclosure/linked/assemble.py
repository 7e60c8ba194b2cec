"""Assemble a family's linked rows from exact daily tables and the relations between groups.

A family is one upper-tier area with its LTLAs (a unitary authority or London borough alone)
and every dose. Rows are the distinct counts: every group of every breakdown of every area
and dose, with labels that name the same count merged (an upper tier's MSOA is one LTLA's
MSOA; a JCVI band that is one age band). Links: each area's relations (``AreaLinks``), an
upper tier's rows as the sums of its LTLAs' rows, and later doses at most earlier ones for
breakdowns whose groups people do not move between (everything but age).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from services.disclosure.linked.model import VIRTUAL, FamilyBuilder, LinkedFamily, RowKey
from services.reference.breakdown_links import AreaLinks

TableKey = tuple[str, int, str]
"""``(area, dose, breakdown)``."""
Table = tuple[tuple[str, ...], np.ndarray]
"""Group labels and exact daily counts ``[groups × dates]``."""
LinksOf = Callable[[Mapping[str, tuple[str, ...]]], AreaLinks]
TOTAL_BREAKDOWN = "none"
STABLE_BREAKDOWNS = frozenset(
    {"none", "sex", "ethnic_group", "ethnic_group_detailed", "imd_decile", "msoa"}
)
"""Breakdowns whose groups a person keeps from one dose to the next (not age or JCVI group)."""


@dataclass(frozen=True, eq=False)
class Context:
    """Other areas' rows (exact daily counts) and sums that link them to a family's rows."""

    rows: Mapping[RowKey, np.ndarray]
    sums: Sequence[tuple[RowKey, tuple[RowKey, ...]]]


@dataclass(frozen=True, eq=False)
class AssembledFamily:
    """A family's rows and, per published table, the row of each of its groups."""

    family: LinkedFamily
    tables: Mapping[TableKey, tuple[tuple[str, ...], tuple[int, ...]]]
    totals: frozenset[int]
    """Rows of the areas' headline totals (coarsened only as a last resort)."""

    def row_of(self, key: RowKey) -> int:
        """The row of one published group."""
        area, dose, breakdown, group = key
        groups, rows = self.tables[(area, dose, breakdown)]
        return rows[groups.index(group)]


def assemble(
    *,
    n_dates: int,
    lowers: Sequence[str],
    upper: str | None,
    doses: Sequence[int],
    breakdowns: Sequence[str],
    tables: Mapping[TableKey, Table],
    links_of: LinksOf,
    start_levels: Mapping[RowKey, int] | None = None,
    context: Context | None = None,
) -> AssembledFamily:
    """Build the family of ``lowers`` (LTLAs) and their ``upper`` tier (None: one area alone).

    ``tables`` holds the LTLAs' exact daily counts; the upper tier's are their sums.
    ``context`` adds other areas' headline rows and the sums linking them to this family's.
    """
    builder = FamilyBuilder(n_dates)
    views: dict[TableKey, tuple[tuple[str, ...], tuple[int, ...]]] = {}
    for dose in doses:
        for area in lowers:
            groups = {b: tables[(area, dose, b)][0] for b in breakdowns}
            cums = {b: np.cumsum(tables[(area, dose, b)][1], axis=1) for b in breakdowns}
            _area_rows(builder, area, dose, groups, cums, links_of(groups), views)
        if upper is not None:
            _upper_rows(builder, upper, lowers, dose, breakdowns, links_of, views)
    for dose, later in itertools.pairwise(doses):
        for (area, d, b), (_, rows) in list(views.items()):
            if d != later or b not in STABLE_BREAKDOWNS:
                continue
            earlier = views.get((area, dose, b))
            if earlier is None:
                continue
            by_label = dict(zip(*earlier, strict=True))
            for group, row in zip(views[(area, d, b)][0], rows, strict=True):
                if group in by_label and row != by_label[group]:
                    builder.at_most(row, by_label[group])
    if context is not None:
        for key, daily in context.rows.items():
            if builder.row(key) is None:
                builder.add(key, np.cumsum(daily))
        for target, members in context.sums:
            found = [builder.row(m) for m in members]
            target_row = builder.row(target)
            member_rows = [r for r in found if r is not None]
            if target_row is not None and len(member_rows) == len(found):
                builder.link_sum(target_row, member_rows)
    for key, level in (start_levels or {}).items():
        start = builder.row(key)
        if start is not None:
            builder.raise_level(start, level)
    totals = frozenset(
        rows[0] for (_, _, b), (_, rows) in views.items() if b == TOTAL_BREAKDOWN and rows
    )
    return AssembledFamily(builder.build(), views, totals)


def _area_rows(
    builder: FamilyBuilder,
    area: str,
    dose: int,
    groups: Mapping[str, tuple[str, ...]],
    cums: Mapping[str, np.ndarray],
    links: AreaLinks,
    views: dict[TableKey, tuple[tuple[str, ...], tuple[int, ...]]],
) -> None:
    """Rows of one LTLA and dose: its groups, merged where they are the same count."""

    def key(label: tuple[str, str]) -> RowKey:
        return (area, dose, label[0], label[1])

    aliases = dict(links.same)
    derived = dict(links.derived)
    exact = {(b, g): cums[b][i] for b, labels in groups.items() for i, g in enumerate(labels)}
    for label, cum in exact.items():
        if label not in aliases:
            builder.add(key(label), cum, published=label not in derived)
    _add_links(builder, key, aliases, derived, links.sums)
    views.update(_views(builder, key, groups))


def _add_links(
    builder: FamilyBuilder,
    key: Callable[[tuple[str, str]], RowKey],
    aliases: Mapping[tuple[str, str], tuple[str, str]],
    derived: Mapping[tuple[str, str], tuple[tuple[str, str], ...]],
    sums: Sequence[tuple[tuple[str, str], tuple[tuple[str, str], ...]]],
) -> None:
    def row(label: tuple[str, str]) -> int:
        found = builder.row(key(label))
        if found is None and label[0] == VIRTUAL:
            return -1
        if found is None:
            raise ValueError(f"no row for {key(label)}")
        return found

    for label, canonical in aliases.items():
        builder.alias(key(label), row(canonical))
    # Virtual rows next, from the first sum that defines them (a sum of real rows).
    for target, members in sums:
        if target[0] == VIRTUAL and builder.row(key(target)) is None:
            summed = [row(m) for m in members]
            if all(p >= 0 for p in summed):
                total = np.sum([builder.exact(p) for p in summed], axis=0)
                builder.add(key(target), total, published=False)
    for label, labels in derived.items():
        builder.derive(row(label), [row(p) for p in labels])
    for target, members in sums:
        member_rows = [row(m) for m in members]
        target_row = row(target)
        if len(set(member_rows)) == 1 and member_rows[0] == target_row:
            continue
        builder.link_sum(target_row, member_rows)


def _views(
    builder: FamilyBuilder,
    key: Callable[[tuple[str, str]], RowKey],
    groups: Mapping[str, tuple[str, ...]],
) -> dict[TableKey, tuple[tuple[str, ...], tuple[int, ...]]]:
    out = {}
    for b, labels in groups.items():
        rows = tuple(builder.row(key((b, g))) for g in labels)
        if any(r is None for r in rows):
            raise ValueError(f"missing rows for {key((b, ''))[:3]}")
        area, dose = key((b, ""))[:2]
        out[(area, dose, b)] = (labels, tuple(r for r in rows if r is not None))
    return out


def _upper_rows(
    builder: FamilyBuilder,
    upper: str,
    lowers: Sequence[str],
    dose: int,
    breakdowns: Sequence[str],
    links_of: LinksOf,
    views: dict[TableKey, tuple[tuple[str, ...], tuple[int, ...]]],
) -> None:
    """The upper tier's rows: one LTLA's row where only one has the group, else their sum."""
    groups: dict[str, tuple[str, ...]] = {}
    for b in breakdowns:
        seen: dict[str, None] = {}
        for lower in lowers:
            seen.update(dict.fromkeys(views[(lower, dose, b)][0]))
        groups[b] = tuple(seen)
    links = links_of(groups)
    aliases = dict(links.same)
    derived = dict(links.derived)

    def key(label: tuple[str, str]) -> RowKey:
        return (upper, dose, label[0], label[1])

    for b, labels in groups.items():
        for g in labels:
            if (b, g) in aliases:
                continue
            found = (builder.row((lower, dose, b, g)) for lower in lowers)
            parts = list(dict.fromkeys(r for r in found if r is not None))
            if len(parts) == 1 and (b, g) not in derived:
                builder.alias(key((b, g)), parts[0])
                continue
            exact = np.sum([builder.exact(p) for p in parts], axis=0)
            row = builder.add(key((b, g)), exact, published=(b, g) not in derived)
            if (b, g) not in derived:
                builder.link_sum(row, parts)
    _add_links(builder, key, aliases, derived, links.sums)
    views.update(_views(builder, key, groups))
