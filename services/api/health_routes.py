"""Liveness, readiness (Redis reachable) and Prometheus metrics; no key needed."""

from __future__ import annotations

from datetime import datetime

import redis
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse

from services.api.auth import Context
from services.api.metrics import CONTENT_TYPE
from services.api.query_parameters import CheckedRoute
from services.releases.model import ReleaseStatus

router = APIRouter(tags=["health"], route_class=CheckedRoute)


async def healthz() -> dict[str, str]:
    """Always ok while the process serves requests (async: no hop to a worker thread)."""
    return {"status": "ok"}


def add_liveness(app: FastAPI) -> None:
    """`/healthz` on the app itself rather than in an included router: matched first, with
    no hop through a router (orchestrators probe it every few seconds)."""
    app.router.add_api_route(
        "/healthz",
        healthz,
        methods=["GET"],
        summary="The process is up",
        tags=["health"],
        route_class_override=CheckedRoute,
    )


@router.get(
    "/readyz",
    summary="Ready to serve: Redis reachable",
    responses={503: {"description": "Redis unreachable"}},
)
def readyz(ctx: Context) -> Response:
    """200 when Redis answers a ping, else 503 (take the instance out of rotation)."""
    try:
        ctx.client.ping()
    except redis.RedisError as exc:
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(ctx: Context) -> Response:
    """Request counts and latency by route, rows served, latest release and its age."""
    releases = ctx.releases.all()
    for status in ReleaseStatus:
        ctx.metrics.release_status.labels(status.value).set(
            sum(1 for r in releases if r.status is status)
        )
    latest = ctx.releases.latest_published()
    meta = next((r for r in releases if r.id == latest), None)
    if meta is not None:
        ctx.metrics.show_loss(list(meta.audit.get("loss", [])))
    ctx.metrics.latest_release.set(meta.id if meta else 0)
    if meta and meta.published_at:
        published = datetime.fromisoformat(meta.published_at)
        ctx.metrics.release_age.set((ctx.clock() - published).total_seconds())
    return Response(ctx.metrics.render(), media_type=CONTENT_TYPE)
