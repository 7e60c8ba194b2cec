"""Liveness, readiness (Redis reachable) and Prometheus metrics; no key needed."""

from __future__ import annotations

from datetime import datetime

import redis
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from services.api.auth import Context
from services.api.metrics import CONTENT_TYPE

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    """Always ok while the process serves requests."""
    return {"status": "ok"}


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
    latest = ctx.releases.latest_published()
    meta = ctx.releases.get(latest) if latest is not None else None
    ctx.metrics.latest_release.set(meta.id if meta else 0)
    if meta and meta.published_at:
        published = datetime.fromisoformat(meta.published_at)
        ctx.metrics.release_age.set((ctx.clock() - published).total_seconds())
    return Response(ctx.metrics.render(), media_type=CONTENT_TYPE)
