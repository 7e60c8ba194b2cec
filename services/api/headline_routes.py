"""One metric of every area of a type in one call (`/v1/headlines`): headlines only.

Every council may read every area's headline (breakdown `none`), so this answer holds nothing
a council could not read one area at a time: the same published tables, the same uptake over
every age, the same release. Breakdowns of areas are never part of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from services.api.answer_delivery import Delivery, answer_or_delivery
from services.api.answers import PopulationOut, ReleaseRef, population_out, release_ref
from services.api.auth import Context, Reader
from services.api.caching import etag_for, release_etag
from services.api.csv_export import csv_lines
from services.api.data_queries import (
    ERRORS,
    AgesQ,
    DoseQ,
    FormatQ,
    ReleaseQ,
    SourceQ,
    cache_headers,
    doses_of,
    permalink,
    population_query,
    query_out,
)
from services.api.errors import BadRequestError, RowLimitError
from services.api.query_parameters import CheckedRoute
from services.api.read_audit import audited
from services.api.release_access import HEADLINE, check_dates, release_for
from services.api.rows import date_window
from services.api.streaming import JSONL_CONTENT, MEDIA_TYPES, json_stream, jsonl_lines
from services.api.table_uptakes import table_uptakes
from services.api.uptake import GroupUptake, PublishedCounts
from services.reference.areas import Area, AreaRegistry
from services.reference.denominators import Population
from services.releases.model import PublishedTable

router = APIRouter(prefix="/v1", tags=["vaccinations"], route_class=CheckedRoute)

AreaType = Literal["ltla", "utla", "region", "country"]
Metric = Literal["new", "cumulative", "uptake_percent"]

HEADLINE_COLUMNS = (
    "date",
    "area_code",
    "area_name",
    "area_type",
    "dose",
    "metric",
    "value",
    "suppressed",
    "population",
    "population_ages",
    "population_source",
    "uptake_withheld_reason",
    "release_id",
)
"""Column order of every headlines answer; new columns are only ever appended."""


class HeadlineRow(BaseModel):
    """One area × dose × date: the metric's published value (null where blank)."""

    date: str
    area_code: str
    area_name: str
    area_type: AreaType
    dose: int
    metric: Metric
    value: float | None = Field(description="The metric; null where suppressed or withheld")
    suppressed: bool = Field(description="True where the value is blank (never read it as 0)")
    population: int | None = Field(description="The population uptake is over (uptake only)")
    population_ages: str | None
    population_source: Literal["ons", "census", "nims"] | None
    uptake_withheld_reason: str | None
    release_id: int


class HeadlinesAnswer(BaseModel):
    """A metric of every published area of one type."""

    release: ReleaseRef
    query: dict[str, object]
    permalink: str
    columns: list[str]
    row_count: int
    population: PopulationOut | None = Field(description="What uptake is over (uptake only)")
    not_published: list[str] = Field(
        description="Codes of areas of this type the release holds no headline table for"
    )
    rows: list[HeadlineRow]


def areas_of_type(registry: AreaRegistry, area_type: AreaType) -> list[Area]:
    """Every area of a type; a unitary code counts as an LTLA and as a UTLA."""
    if area_type == "ltla":
        return list(registry.ltlas())
    if area_type == "utla":
        return list(registry.utlas())
    if area_type == "region":
        return list(registry.regions())
    country = registry.country()
    return [country] if country is not None else []


@router.get(
    "/headlines",
    response_model=None,
    summary="One metric of every LTLA, UTLA or region (headline totals) in one call",
    responses={
        200: {
            "model": HeadlinesAnswer,
            "content": {"text/csv": {"schema": {"type": "string"}}, **JSONL_CONTENT},
            "description": "Rows ordered by area, dose, date; blank values null/blank",
        },
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
        **ERRORS,
    },
)
async def headlines(
    request: Request,
    principal: Reader,
    ctx: Context,
    area_type: Annotated[AreaType, Query(description="ltla, utla, region or country")],
    metric: Annotated[
        Metric, Query(description="new, cumulative (counts) or uptake_percent")
    ] = "cumulative",
    dose: DoseQ = "all",
    on: Annotated[date | None, Query(alias="date", description="One date")] = None,
    start: Annotated[date | None, Query(alias="from", description="First date (incl.)")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last date (incl.)")] = None,
    release: ReleaseQ = None,
    format: FormatQ = "json",
    ages: AgesQ = "16+",
    source: SourceQ = None,
) -> Response:
    """The headline (`breakdown=none`) metric of every area of a type, from one release.

    The same published figures, disclosure control and uptake as `/areas/{code}/vaccinations`
    with `breakdown=none` for an area outside the caller's own: counts of every age, uptake
    over 16+, 18+ or all ages.
    """
    async with audited(ctx, principal, request, f"all:{area_type}") as record:
        if on is not None and (start is not None or end is not None):
            raise BadRequestError("give either date, or from/to, not both")
        if on is not None:
            start = end = on
        if start and end and start > end:
            raise BadRequestError(f"'from' ({start}) is after 'to' ({end})")
        meta = await release_for(ctx.releases, principal, release, request)
        record.release_id = meta.id
        population, chosen = population_query(HEADLINE, ages, source, headline_only=True)
        query = {
            "headlines": area_type,
            "metric": metric,
            "dose": dose,
            "from": start,
            "to": end,
            "ages": population.label,
            "source": None if chosen is None else chosen.value,
        }
        etag = etag_for(release_etag(meta.id, meta.as_of, meta.etag), {**query, "f": format})
        headers = cache_headers(meta, etag, named=release is not None)
        if format == "csv":
            name = f"vaxshare_{area_type}_{metric}_dose-{dose}_release-{meta.id}.csv"
            headers = {**headers, "Content-Disposition": f'attachment; filename="{name}"'}
        delivery = answer_or_delivery(
            ctx, request, record, meta, etag=etag, media=MEDIA_TYPES[format], headers=headers
        )
        if not isinstance(delivery, Delivery):
            return delivery

        def render() -> Response:
            pairs = [(a, d) for a in areas_of_type(ctx.areas, area_type) for d in doses_of(dose)]
            found = ctx.releases.tables(meta.id, [(a.code, d, HEADLINE) for a, d in pairs])
            tables = [(a, t) for (a, _), t in zip(pairs, found, strict=True) if t is not None]
            missing = sorted({a.code for (a, _), t in zip(pairs, found, strict=True) if t is None})
            check_dates(meta, [t for _, t in tables], start, end)
            total = sum(len(date_window(t, start, end)) for _, t in tables)
            if total > ctx.settings.max_rows:
                raise RowLimitError(
                    f"this query would return {total} rows; the limit is {ctx.settings.max_rows} "
                    "rows per answer: narrow it with date, from/to or a single dose"
                )
            record.rows = total
            ctx.metrics.rows_served.inc(total)
            uptake = metric == "uptake_percent"

            def rows() -> Iterator[dict[str, object]]:
                for area, table in tables:
                    head = {
                        "area_code": area.code,
                        "area_name": area.name,
                        "area_type": area_type,
                        "dose": table.dose,
                        "metric": metric,
                    }
                    if uptake:
                        counts = PublishedCounts({HEADLINE: [table]}, table.dates)
                        (u,) = table_uptakes(
                            ctx, counts, table, area, population, chosen, every_age=True
                        )
                        yield from _uptake_rows(head, table, u, meta.id, start, end)
                    else:
                        yield from _count_rows(head, table, metric, meta.id, start, end)

            if format == "csv":
                chunks = csv_lines(HEADLINE_COLUMNS, (tuple(r.values()) for r in rows()))
            elif format == "jsonl":
                chunks = jsonl_lines(rows())
            else:
                head = {
                    "release": release_ref(meta),
                    "query": query_out(query),
                    "permalink": permalink(
                        request,
                        meta,
                        area_type=area_type,
                        metric=metric,
                        dose=dose,
                        start=start,
                        end=end,
                        ages=population.label if uptake else None,
                        source=query["source"] if uptake else None,
                    ),
                    "columns": list(HEADLINE_COLUMNS),
                    "row_count": total,
                    "population": population_out(HEADLINE, population, chosen) if uptake else None,
                    "not_published": missing,
                }
                chunks = json_stream(head, "rows", rows())
            return delivery.send(chunks, total)

        return await run_in_threadpool(render)


def _count_rows(
    head: dict[str, object],
    table: PublishedTable,
    metric: Metric,
    release_id: int,
    start: date | None,
    end: date | None,
) -> Iterator[dict[str, object]]:
    series = table.new[0] if metric == "new" else table.cumulative[0]
    dates = table.dates
    for d in date_window(table, start, end):
        value = series[d]
        yield {
            "date": dates[d].isoformat(),
            **head,
            "value": value,
            "suppressed": value is None,
            "population": None,
            "population_ages": None,
            "population_source": None,
            "uptake_withheld_reason": None,
            "release_id": release_id,
        }


def _uptake_rows(
    head: dict[str, object],
    table: PublishedTable,
    u: GroupUptake,
    release_id: int,
    start: date | None,
    end: date | None,
) -> Iterator[dict[str, object]]:
    population = u.population if isinstance(u.population, Population) else None
    dates = table.dates
    for d in date_window(table, start, end):
        pct = u.percent_at(d)
        yield {
            "date": dates[d].isoformat(),
            **head,
            "value": pct,
            "suppressed": pct is None,
            "population": None if population is None else population.value,
            "population_ages": u.ages.label,
            "population_source": None if population is None else population.source.value,
            "uptake_withheld_reason": u.reason[d] or None,
            "release_id": release_id,
        }
