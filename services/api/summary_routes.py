"""The "who are we missing" view of one area (`/summary`): groups ranked within one population."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from services.api.age_standardisation import STANDARD_NAMES, Standard, standardised_uptake
from services.api.answers import SummaryAnswer, area_ref, population_out, release_ref
from services.api.auth import Context, Reader
from services.api.caching import etag_for, not_modified, release_etag
from services.api.context import ApiContext
from services.api.data_queries import (
    ERRORS,
    AgesQ,
    AreaCode,
    BreakdownName,
    DoseQ,
    FormatQ,
    ReleaseQ,
    SourceQ,
    StandardQ,
    area_of,
    cache_headers,
    doses_of,
    permalink,
    population_query,
)
from services.api.gap_summary import GroupSummary, summarise
from services.api.query_parameters import CheckedRoute
from services.api.read_audit import audited
from services.api.release_access import load_tables, release_for
from services.api.scope import check_breakdown
from services.api.streaming import (
    JSONL_CONTENT,
    MEDIA_TYPES,
    csv_response,
    json_response,
    json_stream,
    jsonl_lines,
    slug,
)
from services.api.table_uptakes import needed_tables, published_counts, table_uptakes
from services.api.uptake import group_uptake
from services.reference import breakdown_populations as rules
from services.reference.age_ranges import AgeRange
from services.reference.areas import Area
from services.reference.denominators import Source
from services.releases.model import PublishedTable, ReleaseMeta

router = APIRouter(prefix="/v1/areas", tags=["vaccinations"], route_class=CheckedRoute)

SUMMARY_COLUMNS = (
    "area_code",
    "area_name",
    "breakdown",
    "dose",
    "rank",
    "group",
    "date",
    "cumulative",
    "cumulative_suppressed",
    "population",
    "uptake_percent",
    "area_uptake_percent",
    "gap_percentage_points",
    "withheld_reason",
    "release_id",
    "label",
    "population_ages",
    "population_source",
    "population_estimated",
    "uptake_numerator",
    "uptake_numerator_ages",
    "uptake_above_100",
    "vaccinated_outside_ages",
    "age_standardised_uptake_percent",
    "area_age_standardised_uptake_percent",
    "age_standardised_gap_percentage_points",
    "age_standardised_withheld_reason",
    "comparison_source",
    "comparison_population",
    "comparison_uptake_percent",
    "withheld_detail",
    "last_published_date",
    "last_published_cumulative",
    "last_published_uptake_percent",
)
"""Column order of every summary CSV; new columns are only ever appended."""
STANDARDISED = "ethnic_group"
"""The breakdown whose groups are ranked by age-standardised uptake (counts by age exist)."""


def _label(ctx: Context, breakdown: str, group: str) -> str:
    """A readable name for a group: an MSOA's name, else the group itself."""
    if breakdown == "msoa":
        return ctx.areas.msoa_name(group) or group
    return group


def _summarise(
    ctx: ApiContext,
    meta: ReleaseMeta,
    area: Area,
    table: PublishedTable,
    ages: AgeRange,
    source: Source | None,
    standard: Standard,
) -> list[GroupSummary]:
    """One dose's groups, ranked within the population of ``ages`` from ``source``."""
    breakdown = table.breakdown
    every_age = rules.RULES[breakdown].counts_by_age == "all_ages"
    needed = needed_tables(breakdown, ages) | needed_tables("none", ages) | {"none"}
    if breakdown == STANDARDISED:
        needed |= {"age_band", rules.CROSS}
    counts = published_counts(ctx, meta, area, table, needed)
    ltlas = ctx.areas.ltla_codes_in(area.code)
    width = len(table.dates)
    overall = group_uptake(
        counts,
        ctx.denominators,
        breakdown="none",
        group="all",
        ltla_codes=ltlas,
        ages=ages,
        source=source or rules.default_source("none"),
        width=width,
        every_age=every_age,
    )
    last = width - 1
    standardised = area_standardised = None
    if breakdown == STANDARDISED:
        # Standardising needs the counts by age within each group, published for week ends
        # only: every figure of this answer is of the last week end, so they compare.
        last = counts.last_published(rules.CROSS, last)
        of = partial(
            standardised_uptake,
            counts,
            ctx.denominators,
            ltla_codes=ltlas,
            ages=ages,
            standard=standard,
            date_index=last,
        )
        standardised = {group: of(group=group) for group in table.groups}
        area_standardised = of(group=None)
    return summarise(
        table.dose,
        table.groups,
        [row[last] if last >= 0 else None for row in table.cumulative],
        table_uptakes(ctx, counts, table, area, ages, source),
        overall,
        last=last,
        date=table.dates[last].isoformat() if last >= 0 else "",
        standardised=standardised,
        area_standardised=area_standardised,
        series=table.cumulative,
        dates=[d.isoformat() for d in table.dates],
        withheld_groups=table.withheld,
    )


@router.get(
    "/{code}/summary",
    response_model=None,
    summary='Latest uptake by group, ranked by the gap to the area ("who are we missing")',
    responses={
        200: {
            "model": SummaryAnswer,
            "content": {"text/csv": {"schema": {"type": "string"}}, **JSONL_CONTENT},
        },
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
        **ERRORS,
    },
)
async def summary(
    request: Request,
    principal: Reader,
    ctx: Context,
    code: AreaCode,
    breakdown: Annotated[BreakdownName, Query(description="Groups to rank")] = "ethnic_group",
    dose: DoseQ = "all",
    release: ReleaseQ = None,
    format: FormatQ = "json",
    ages: AgesQ = "16+",
    source: SourceQ = None,
    standard: StandardQ = "area",
) -> Response:
    """Each group's latest uptake within one population, and its gap to the area's.

    Ethnic groups are ranked by their age-standardised uptake (shown beside the crude one);
    other breakdowns by the crude uptake.
    """
    async with audited(ctx, principal, request, code) as record:
        area = area_of(ctx, code)
        check_breakdown(principal, area.code, breakdown, ctx.areas)
        meta = await release_for(ctx.releases, principal, release, request)
        record.release_id = meta.id
        population, chosen = population_query(breakdown, ages, source)
        query = {
            "area": code,
            "dose": dose,
            "breakdown": breakdown,
            "summary": True,
            "ages": population.label,
            "source": None if chosen is None else chosen.value,
            "standard": standard,
        }
        etag = etag_for(release_etag(meta.id, meta.as_of, meta.etag), {**query, "f": format})
        headers = cache_headers(meta, etag, named=release is not None)
        unchanged = not_modified(request, headers)
        if unchanged is not None:
            record.outcome = "not_modified"
            return unchanged

        def render() -> Response:
            tables = load_tables(ctx.releases, meta, area, doses_of(dose), breakdown)
            groups = [
                {**g.as_dict(), "label": _label(ctx, breakdown, g.group)}
                for table in tables
                for g in _summarise(ctx, meta, area, table, population, chosen, standard)
            ]
            record.rows = len(groups)
            ctx.metrics.rows_served.inc(len(groups))
            if format == "csv":
                extra = {"area_code": area.code, "area_name": area.name, "breakdown": breakdown}
                records = (
                    tuple({**g, **extra, "release_id": meta.id}[c] for c in SUMMARY_COLUMNS)
                    for g in groups
                )
                name = f"vaxshare_{area.code}_{slug(area.name)}_{breakdown}_summary_dose-{dose}"
                return csv_response(
                    SUMMARY_COLUMNS, records, f"{name}_release-{meta.id}.csv", headers
                )
            if format == "jsonl":
                return StreamingResponse(
                    jsonl_lines(groups), media_type=MEDIA_TYPES["jsonl"], headers=headers
                )
            head = {
                "release": release_ref(meta),
                "area": area_ref(area),
                "breakdown": breakdown,
                "permalink": permalink(
                    request,
                    meta,
                    breakdown=breakdown,
                    dose=dose,
                    ages=population.label,
                    source=query["source"],
                    standard=standard if breakdown == STANDARDISED else None,
                ),
                "population": population_out(breakdown, population, chosen),
                "ranked_by": "age_standardised" if breakdown == STANDARDISED else "crude",
                "standard": standard if breakdown == STANDARDISED else None,
                "standard_name": STANDARD_NAMES[standard] if breakdown == STANDARDISED else None,
            }
            return json_response(json_stream(head, "groups", groups), headers)

        return await run_in_threadpool(render)
