"""Vaccination data of one area: the series (`/vaccinations`) and the gap view (`/summary`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.api.answer_cache import CachedAnswer
from services.api.answers import ErrorBody, SummaryAnswer, VaccinationsAnswer, area_ref, release_ref
from services.api.auth import Context, Reader
from services.api.caching import cache_control, etag_for, not_modified, release_etag
from services.api.csv_export import csv_lines
from services.api.errors import BadRequestError, NotFoundError, RowLimitError
from services.api.gap_summary import summarise
from services.api.read_audit import audited
from services.api.release_access import load_tables, resolve_release
from services.api.rows import COLUMNS, count_rows, table_rows
from services.api.scope import check_breakdown
from services.api.streaming import csv_response, json_response, json_stream, slug
from services.disclosure.registry import get_policy
from services.reference.areas import Area
from services.releases.model import ReleaseMeta, ReleaseStatus

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

CSV_EXAMPLE = (
    "date,area_code,area_name,dose,breakdown,group,new,new_suppressed,cumulative,"
    "cumulative_suppressed,population,uptake_percent,release_id\r\n"
    "2021-03-01,E09000013,Hammersmith and Fulham,1,msoa,E02000372,,true,1230,false,8450,14.6,12\r\n"
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
) -> Response:
    """Counts for one area, by dose and breakdown group, per day, from a published release.

    UTLA and region codes serve their own published tables (built from their LTLAs' exact
    sums, then disclosure-controlled). Regions are published with `breakdown=none` only.
    """
    with audited(ctx, principal, request, code) as record:
        area = _area(ctx, code)
        check_breakdown(principal, area.code, breakdown, ctx.areas)
        meta = resolve_release(ctx.releases, principal, release)
        record.release_id = meta.id
        if start and end and start > end:
            raise BadRequestError(f"'from' ({start}) is after 'to' ({end})")
        query = {"area": code, "dose": dose, "breakdown": breakdown, "from": start, "to": end}
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
        policy = get_policy(meta.policy)
        rows = (
            row
            for t in tables
            for row in table_rows(
                t, area_name=area.name, release_id=meta.id, policy=policy, start=start, end=end
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
                    request, meta, dose=dose, breakdown=breakdown, start=start, end=end
                ),
                "columns": list(COLUMNS),
                "row_count": total,
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
)


def _label(ctx: Context, breakdown: str, group: str) -> str:
    """A readable name for a group: an MSOA's name, else the group itself."""
    if breakdown == "msoa":
        return ctx.areas.msoa_name(group) or group
    return group


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
) -> Response:
    """Each group's latest cumulative uptake and its gap to the area's overall uptake."""
    with audited(ctx, principal, request, code) as record:
        area = _area(ctx, code)
        check_breakdown(principal, area.code, breakdown, ctx.areas)
        meta = resolve_release(ctx.releases, principal, release)
        record.release_id = meta.id
        query = {"area": code, "dose": dose, "breakdown": breakdown, "summary": True}
        etag = etag_for(release_etag(meta.id, meta.as_of, meta.etag), {**query, "f": format})
        headers = _cache_headers(meta, etag, named=release is not None)
        if not_modified(request, etag):
            record.outcome = "not_modified"
            return Response(status_code=304, headers=headers)
        doses = _doses(dose)
        headlines = load_tables(ctx.releases, meta, area, doses, "none")
        tables = load_tables(ctx.releases, meta, area, doses, breakdown)
        policy = get_policy(meta.policy)
        groups = [
            {**g.as_dict(), "label": _label(ctx, breakdown, g.group)}
            for headline, table in zip(headlines, tables, strict=True)
            for g in summarise(headline, table, policy)
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
            "permalink": _permalink(request, meta, breakdown=breakdown, dose=dose),
        }
        return json_response(json_stream(head, "groups", groups), headers)
