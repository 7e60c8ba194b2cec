"""Vaccination data of one area: the daily and cumulative series (`/vaccinations`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from services.api.answer_delivery import Delivery, answer_or_delivery
from services.api.answers import VaccinationsAnswer, area_ref, population_out, release_ref
from services.api.auth import Context, Reader
from services.api.caching import etag_for, release_etag
from services.api.csv_export import csv_lines
from services.api.data_queries import (
    ERRORS,
    AgesQ,
    AreaCode,
    BreakdownName,
    DoseQ,
    FormatQ,
    ReleaseQ,
    SourceQ,
    area_of,
    cache_headers,
    doses_of,
    permalink,
    population_query,
    query_out,
)
from services.api.errors import BadRequestError, RowLimitError
from services.api.query_parameters import CheckedRoute
from services.api.read_audit import audited
from services.api.release_access import check_dates, load_tables, release_for
from services.api.rows import COLUMNS, count_rows, table_rows
from services.api.scope import check_breakdown, may_see_detail
from services.api.streaming import JSONL_CONTENT, MEDIA_TYPES, json_stream, jsonl_lines, slug
from services.api.table_uptakes import needed_tables, published_counts, table_uptakes

router = APIRouter(prefix="/v1/areas", tags=["vaccinations"], route_class=CheckedRoute)

CSV_EXAMPLE = (
    ",".join(COLUMNS) + "\r\n"
    "2021-03-01,E09000013,Hammersmith and Fulham,1,msoa,E02000372,,true,1230,false,6952,17.7,12,"
    "16+,ons,false,1230,all,,false,15,,,,,5,2,false,Old Oak & Wormwood\r\n"
)


@router.get(
    "/{code}/vaccinations",
    response_model=None,
    summary="Daily and cumulative counts and uptake % of an area",
    responses={
        200: {
            "model": VaccinationsAnswer,
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
                **JSONL_CONTENT,
            },
            "description": "Rows ordered by dose, group, date; suppressed values null/blank",
        },
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
        **ERRORS,
    },
)
async def vaccinations(
    request: Request,
    principal: Reader,
    ctx: Context,
    code: AreaCode,
    dose: DoseQ = "all",
    breakdown: Annotated[BreakdownName, Query(description="How to split the counts")] = "none",
    start: Annotated[date | None, Query(alias="from", description="First date (incl.)")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last date (incl.)")] = None,
    release: ReleaseQ = None,
    format: FormatQ = "json",
    ages: AgesQ = "16+",
    source: SourceQ = None,
) -> Response:
    """Counts for one area, by dose and breakdown group, per day, from a published release.

    UTLA and region codes serve their own published tables (built from their LTLAs' exact
    sums, then disclosure-controlled). England (`E92000001`) and the regions are published with
    `breakdown=none` only; England's uptake counts every age (ages 16+, 18+ or all). Every
    row's uptake is over the population of `ages` from `source`, named in the row.
    `format=jsonl` gives one row a line (JSON Lines) and nothing else.
    """
    # On the event loop up to the answer cache (its I/O is the asyncio client's); anything
    # that reads release tables runs on a worker thread.
    async with audited(ctx, principal, request, code) as record:
        area = area_of(ctx, code)
        check_breakdown(principal, area.code, breakdown, ctx.areas)
        meta = await release_for(ctx.releases, principal, release, request)
        record.release_id = meta.id
        if start and end and start > end:
            raise BadRequestError(f"'from' ({start}) is after 'to' ({end})")
        # A headline read outside the caller's own areas stays a headline: its uptake counts
        # every age, never the area's age bands (a breakdown the caller may not see).
        detail = may_see_detail(principal, area.code, ctx.areas) and area.type != "country"
        population, chosen = population_query(breakdown, ages, source, headline_only=not detail)
        query = {
            "scope": "detail" if detail else "headline",
            "area": code,
            "dose": dose,
            "breakdown": breakdown,
            "from": start,
            "to": end,
            "ages": population.label,
            "source": None if chosen is None else chosen.value,
        }
        etag = etag_for(release_etag(meta.id, meta.as_of, meta.etag), {**query, "f": format})
        headers = cache_headers(meta, etag, named=release is not None)
        if format == "csv":
            name = f"vaxshare_{area.code}_{slug(area.name)}_{breakdown}_dose-{dose}"
            headers = {
                **headers,
                "Content-Disposition": f'attachment; filename="{name}_release-{meta.id}.csv"',
            }
        delivery = answer_or_delivery(
            ctx, request, record, meta, etag=etag, media=MEDIA_TYPES[format], headers=headers
        )
        if not isinstance(delivery, Delivery):
            return delivery

        def render() -> Response:
            tables = load_tables(ctx.releases, meta, area, doses_of(dose), breakdown)
            check_dates(meta, tables, start, end)
            total = sum(count_rows(t, start, end) for t in tables)
            if total > ctx.settings.max_rows:
                raise RowLimitError(
                    f"this query would return {total} rows; the limit is {ctx.settings.max_rows} "
                    f"rows per answer: narrow it with from/to or a single dose"
                )
            record.rows = total
            ctx.metrics.rows_served.inc(total)
            needed: set[str] = needed_tables(breakdown, population) if detail else {breakdown}
            uptakes = [
                table_uptakes(
                    ctx,
                    published_counts(ctx, meta, area, t, needed),
                    t,
                    area,
                    population,
                    chosen,
                    every_age=not detail,
                )
                for t in tables
            ]
            rows = (
                row
                for t, u in zip(tables, uptakes, strict=True)
                for row in table_rows(
                    t,
                    u,
                    area_name=area.name,
                    release_id=meta.id,
                    start=start,
                    end=end,
                    name_of=ctx.areas.msoa_name if breakdown == "msoa" else None,
                )
            )
            if format == "csv":
                chunks = csv_lines(COLUMNS, (tuple(r.as_dict().values()) for r in rows))
            elif format == "jsonl":
                chunks = jsonl_lines(r.as_dict() for r in rows)
            else:
                head = {
                    "release": release_ref(meta),
                    "area": area_ref(area),
                    "query": query_out(query),
                    "permalink": permalink(
                        request,
                        meta,
                        dose=dose,
                        breakdown=breakdown,
                        start=start,
                        end=end,
                        ages=population.label,
                        source=query["source"],
                    ),
                    "columns": list(COLUMNS),
                    "row_count": total,
                    "population": population_out(breakdown, population, chosen),
                }
                chunks = json_stream(head, "rows", (r.as_dict() for r in rows))
            return delivery.send(chunks, total)

        return await run_in_threadpool(render)
