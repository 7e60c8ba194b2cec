"""Published releases: what the latest is, and what each one checked and suppressed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from services.api.answers import ErrorBody, ReleaseList, ReleaseOut, release_out
from services.api.auth import Context, Reader
from services.api.caching import IMMUTABLE, REVALIDATE, cached_json
from services.api.query_parameters import CheckedRoute
from services.api.release_access import latest_read_ahead, resolve_release
from services.releases.model import ReleaseStatus

router = APIRouter(prefix="/v1/releases", tags=["releases"], route_class=CheckedRoute)

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "A query parameter this endpoint does not take"},
    304: {"description": "Unchanged since the ETag sent in If-None-Match"},
    401: {"model": ErrorBody, "description": "No valid API key"},
    403: {
        "model": ErrorBody,
        "description": "Not published (operators only) or role reads no data",
    },
    404: {"model": ErrorBody, "description": "No such release"},
    422: {"model": ErrorBody, "description": "A parameter is malformed"},
    429: {"model": ErrorBody, "description": "Rate limit exceeded; see Retry-After"},
}


@router.get("", response_model=ReleaseList, responses=ERRORS, summary="Published releases")
def list_releases(request: Request, principal: Reader, ctx: Context) -> Response:
    """Every published release, newest first, and the id of the latest."""
    published = [m for m in ctx.releases.all() if m.status is ReleaseStatus.PUBLISHED]
    latest = ctx.releases.latest_published()
    model = ReleaseList(
        latest=latest, releases=[ReleaseOut.model_validate(release_out(m)) for m in published]
    )
    return cached_json(request, model.model_dump_json().encode(), REVALIDATE)


@router.get("/latest", response_model=ReleaseOut, responses=ERRORS, summary="Latest release")
def latest_release(request: Request, principal: Reader, ctx: Context) -> Response:
    """The newest published release (what data queries use when no release is named)."""
    meta = resolve_release(ctx.releases, principal, None, latest_read_ahead(request))
    out = release_out(meta)
    body = ReleaseOut.model_validate(out).model_dump_json().encode()
    return cached_json(
        request, body, REVALIDATE, etag=str(out["etag"]), **{"X-Release-Id": str(meta.id)}
    )


@router.get("/{release_id}", response_model=ReleaseOut, responses=ERRORS, summary="One release")
def get_release(
    request: Request,
    principal: Reader,
    ctx: Context,
    release_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
) -> Response:
    """A release's metadata, checks and disclosure audit (drafts: operators only)."""
    meta = resolve_release(ctx.releases, principal, release_id)
    out = release_out(meta)
    body = ReleaseOut.model_validate(out).model_dump_json().encode()
    control = IMMUTABLE if meta.status is ReleaseStatus.PUBLISHED else REVALIDATE
    return cached_json(
        request, body, control, etag=str(out["etag"]), **{"X-Release-Id": str(meta.id)}
    )
