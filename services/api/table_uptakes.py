"""The published tables an uptake reads, and the uptake of every group of a table."""

from __future__ import annotations

from services.api.context import ApiContext
from services.api.release_access import load_counts
from services.api.uptake import GroupUptake, PublishedCounts, group_uptake
from services.reference import breakdown_populations as rules
from services.reference.age_ranges import ALL_AGES, AgeRange
from services.reference.areas import Area
from services.reference.denominators import Source
from services.releases.model import PublishedTable, ReleaseMeta


def needed_tables(breakdown: str, ages: AgeRange) -> set[str]:
    """The breakdowns whose published tables the uptake of this breakdown reads."""
    needed = {breakdown}
    by_age = rules.RULES[breakdown].counts_by_age
    if ages != ALL_AGES and by_age in ("age_band", "all_ages"):
        needed.add("age_band")
    if ages != ALL_AGES and by_age == "cross":
        needed.add(rules.CROSS)
    return needed


def published_counts(
    ctx: ApiContext, meta: ReleaseMeta, area: Area, table: PublishedTable, needed: set[str]
) -> PublishedCounts:
    """A table and the other published tables of its area and dose that its uptake reads."""
    found = load_counts(ctx.releases, meta, area, ctx.areas, table.dose, needed - {table.breakdown})
    return PublishedCounts({**found, table.breakdown: [table]}, table.dates)


def table_uptakes(
    ctx: ApiContext,
    counts: PublishedCounts,
    table: PublishedTable,
    area: Area,
    ages: AgeRange,
    source: Source | None,
    *,
    every_age: bool = False,
) -> list[GroupUptake]:
    """Every group's uptake, in the table's group order (``every_age``: each group's own
    count of every age, for a headline read outside the caller's own areas)."""
    ltlas = ctx.areas.ltla_codes_in(area.code)
    return [
        group_uptake(
            counts,
            ctx.denominators,
            breakdown=table.breakdown,
            group=group,
            ltla_codes=ltlas,
            ages=ages,
            source=source,
            width=len(table.dates),
            every_age=every_age,
        )
        for group in table.groups
    ]
