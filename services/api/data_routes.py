"""Vaccination data of one area: the series (`/vaccinations`) and the gap view (`/summary`)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.api.age_standardisation import STANDARD_NAMES, Standard, standardised_uptake
from services.api.answer_cache import CachedAnswer
from services.api.answers import (
    ErrorBody,
    SummaryAnswer,
    VaccinationsAnswer,
    area_ref,
    population_out,
    release_ref,
)
from services.api.auth import Context, Reader
from services.api.caching import cache_control, etag_for, not_modified, release_etag
from services.api.context import ApiContext
from services.api.csv_export import csv_lines
from services.api.errors import (
    BadRequestError,
    NotFoundError,
    RowLimitError,
    UnsupportedPopulationError,
)
from services.api.gap_summary import GroupSummary, summarise
from services.api.read_audit import audited
from services.api.release_access import load_counts, load_tables, resolve_release
from services.api.rows import COLUMNS, count_rows, table_rows
from services.api.scope import check_breakdown
from services.api.streaming import csv_response, json_response, json_stream, slug
from services.api.uptake import GroupUptake, PublishedCounts, group_uptake
from services.reference import breakdown_populations as rules
from services.reference.age_ranges import ALL_AGES, AgeRange
from services.reference.areas import Area
from services.reference.denominators import Source
from services.reference.errors import AgeRangeError, UptakeQueryError
from services.releases.model import PublishedTable, ReleaseMeta, ReleaseStatus

router = APIRouter(prefix="/v1/areas", tags=["vaccinations"])

BreakdownName = Literal[
    "none",
    "age_band",
    "jcvi_age_band",
    "jcvi_group",
    "ethnic_group",
    "ethnic_group_detailed",
    "sex",
    "imd_decile",
    "msoa",
    "age_band_ethnic_group",
]
DoseChoice = Literal["1", "2", "3", "all"]
Format = Literal["json", "csv"]

AreaCode = Annotated[
    str, Path(min_length=9, max_length=9, pattern=r"^[EWSN]\d{8}$", examples=["E09000013"])
]
DoseQ = Annotated[DoseChoice, Query(description="Dose 1, 2, 3, or all (one set of rows each)")]
ReleaseQ = Annotated[
    int | None,
    Query(ge=1, le=2_147_483_647, description="Release id; default: the latest published"),
]
FormatQ = Annotated[Format, Query(description="json, or csv (a download with stable columns)")]
AgesQ = Annotated[
    str,
    Query(
        max_length=12,
        description="Ages of the population uptake is over: 16+ (the default), 18+, 50+, 65+, "
        "lo-hi (e.g. 50-64), lo+ or all",
        examples=["16+"],
    ),
]
SourceQ = Annotated[
    Literal["ons", "census", "nims"] | None,
    Query(
        description="Population source: ons (ONS mid-2020 estimates), census (Census 2021) or "
        "nims (NHS England NIMS register, 6 July 2021); default: census for ethnic groups, "
        "ons otherwise"
    ),
]
StandardQ = Annotated[
    Standard,
    Query(
        description="Standard population of the age-standardised uptake of ethnic groups: area "
        "(the area's own Census 2021 population in the chosen ages) or esp2013 (the 2013 "
        "European Standard Population)"
    ),
]

CSV_EXAMPLE = (
    ",".join(COLUMNS) + "\r\n"
    "2021-03-01,E09000013,Hammersmith and Fulham,1,msoa,E02000372,,true,1230,false,6952,17.7,12,"
    "16+,ons,false,1230,all,,false,15,,,\r\n"
)

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Query too large (the limit is named) or invalid"},
    401: {"model": ErrorBody, "description": "No valid API key"},
    403: {"model": ErrorBody, "description": "Outside the key's scope"},
    404: {"model": ErrorBody, "description": "Unknown area or release, or table not published"},
    422: {"model": ErrorBody, "description": "A parameter is malformed"},
    429: {"model": ErrorBody, "description": "Rate limit exceeded; see Retry-After"},
}


def _area(ctx: Context, code: str) -> Area:
    area = ctx.areas.get(code)
    if area is None:
        raise NotFoundError(f"there is no area {code}; GET /v1/areas lists the codes")
    return area


def _doses(dose: DoseChoice) -> list[int]:
    return [1, 2, 3] if dose == "all" else [int(dose)]


def _population_query(
    breakdown: str, ages_text: str, source: str | None
) -> tuple[AgeRange, Source | None]:
    """The ages and source an uptake is over, or a 400 saying why they cannot be used."""
    try:
        ages = AgeRange.parse(ages_text)
        return ages, rules.check(breakdown, ages, None if source is None else Source(source))
    except (AgeRangeError, UptakeQueryError) as exc:
        raise UnsupportedPopulationError(str(exc)) from None


def _needed(breakdown: str, ages: AgeRange) -> set[str]:
    """The breakdowns whose published tables the uptake of this breakdown reads."""
    needed = {breakdown}
    by_age = rules.RULES[breakdown].counts_by_age
    if ages != ALL_AGES and by_age in ("age_band", "all_ages"):
        needed.add("age_band")
    if ages != ALL_AGES and by_age == "cross":
        needed.add(rules.CROSS)
    return needed


def _published_counts(
    ctx: ApiContext, meta: ReleaseMeta, area: Area, table: PublishedTable, needed: set[str]
) -> PublishedCounts:
    found = load_counts(ctx.releases, meta, area, ctx.areas, table.dose, needed - {table.breakdown})
    return PublishedCounts({**found, table.breakdown: [table]}, len(table.dates))


def _uptakes(
    ctx: ApiContext,
    counts: PublishedCounts,
    table: PublishedTable,
    area: Area,
    ages: AgeRange,
    source: Source | None,
) -> list[GroupUptake]:
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
        )
        for group in table.groups
    ]


def _permalink(request: Request, meta: ReleaseMeta, **params: object) -> str:
    """The query pinned to its release, in one canonical form whatever the caller sent."""
    names = {"start": "from", "end": "to"}
    query = {names.get(k, k): str(v) for k, v in params.items() if v is not None}
    return str(request.url.replace(query=urlencode({**query, "release": meta.id})))


def _cache_headers(meta: ReleaseMeta, etag: str, named: bool) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": cache_control(named_release=named),
        "Vary": "Authorization",
        "X-Release-Id": str(meta.id),
    }


@router.get(
    "/{code}/vaccinations",
    response_model=None,
    summary="Daily and cumulative counts and uptake % of an area",
    responses={
        200: {
            "model": VaccinationsAnswer,
            "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}},
            "description": "Rows ordered by dose, group, date; suppressed values null/blank",
        },
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
        **ERRORS,
    },
)
def vaccinations(
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
    sums, then disclosure-controlled). Regions are published with `breakdown=none` only.
    Every row's uptake is over the population of `ages` from `source`, named in the row.
    """
    with audited(ctx, principal, request, code) as record:
        area = _area(ctx, code)
        check_breakdown(principal, area.code, breakdown, ctx.areas)
        meta = resolve_release(ctx.releases, principal, release)
        record.release_id = meta.id
        if start and end and start > end:
            raise BadRequestError(f"'from' ({start}) is after 'to' ({end})")
        population, chosen = _population_query(breakdown, ages, source)
        query = {
            "area": code,
            "dose": dose,
            "breakdown": breakdown,
            "from": start,
            "to": end,
            "ages": population.label,
            "source": None if chosen is None else chosen.value,
        }
        etag = etag_for(release_etag(meta.id, meta.as_of, meta.etag), {**query, "f": format})
        headers = _cache_headers(meta, etag, named=release is not None)
        if not_modified(request, etag):
            record.outcome = "not_modified"
            return Response(status_code=304, headers=headers)
        media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
        if format == "csv":
            name = f"vaxshare_{area.code}_{slug(area.name)}_{breakdown}_dose-{dose}"
            headers = {
                **headers,
                "Content-Disposition": f'attachment; filename="{name}_release-{meta.id}.csv"',
            }
        # The body names the release's status and a permalink on this host; only a published
        # release never changes, so only its answers are kept.
        cacheable = meta.status is ReleaseStatus.PUBLISHED
        cache_key = f"{etag}|{request.base_url}"
        cached = ctx.answers.get(cache_key) if cacheable else None
        if cached is not None:
            record.rows = cached.rows
            ctx.metrics.rows_served.inc(cached.rows)
            return Response(cached.body, media_type=media, headers=headers)
        tables = load_tables(ctx.releases, meta, area, _doses(dose), breakdown)
        total = sum(count_rows(t, start, end) for t in tables)
        if total > ctx.settings.max_rows:
            raise RowLimitError(
                f"this query would return {total} rows; the limit is {ctx.settings.max_rows} "
                f"rows per answer: narrow it with from/to or a single dose"
            )
        record.rows = total
        ctx.metrics.rows_served.inc(total)
        needed = _needed(breakdown, population)
        uptakes = [
            _uptakes(
                ctx, _published_counts(ctx, meta, area, t, needed), t, area, population, chosen
            )
            for t in tables
        ]
        rows = (
            row
            for t, u in zip(tables, uptakes, strict=True)
            for row in table_rows(
                t, u, area_name=area.name, release_id=meta.id, start=start, end=end
            )
        )
        if format == "csv":
            chunks = csv_lines(COLUMNS, (tuple(r.as_dict().values()) for r in rows))
        else:
            head = {
                "release": release_ref(meta),
                "area": area_ref(area),
                "query": {k: v.isoformat() if isinstance(v, date) else v for k, v in query.items()},
                "permalink": _permalink(
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
        if (
            cacheable
            and total <= ctx.settings.answer_cache_rows
            and ctx.settings.answer_cache_bytes
        ):
            body = "".join(chunks).encode()
            ctx.answers.put(cache_key, CachedAnswer(body, total))
            return Response(body, media_type=media, headers=headers)
        return StreamingResponse(chunks, media_type=media, headers=headers)


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
    needed = _needed(breakdown, ages) | _needed("none", ages) | {"none"}
    if breakdown == STANDARDISED:
        needed |= {"age_band", rules.CROSS}
    counts = _published_counts(ctx, meta, area, table, needed)
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
        _uptakes(ctx, counts, table, area, ages, source),
        overall,
        last=last,
        date=table.dates[last].isoformat() if last >= 0 else "",
        standardised=standardised,
        area_standardised=area_standardised,
    )


@router.get(
    "/{code}/summary",
    response_model=None,
    summary='Latest uptake by group, ranked by the gap to the area ("who are we missing")',
    responses={
        200: {"model": SummaryAnswer, "content": {"text/csv": {"schema": {"type": "string"}}}},
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
        **ERRORS,
    },
)
def summary(
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
    with audited(ctx, principal, request, code) as record:
        area = _area(ctx, code)
        check_breakdown(principal, area.code, breakdown, ctx.areas)
        meta = resolve_release(ctx.releases, principal, release)
        record.release_id = meta.id
        population, chosen = _population_query(breakdown, ages, source)
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
        headers = _cache_headers(meta, etag, named=release is not None)
        if not_modified(request, etag):
            record.outcome = "not_modified"
            return Response(status_code=304, headers=headers)
        tables = load_tables(ctx.releases, meta, area, _doses(dose), breakdown)
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
            return csv_response(SUMMARY_COLUMNS, records, f"{name}_release-{meta.id}.csv", headers)
        head = {
            "release": release_ref(meta),
            "area": area_ref(area),
            "breakdown": breakdown,
            "permalink": _permalink(
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
