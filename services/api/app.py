"""The council API app: routes under /v1, errors as `{"error": {...}}`, metrics per route."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import redis
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from services.api import (
    area_routes,
    dashboard,
    data_routes,
    health_routes,
    operator_routes,
    release_routes,
    summary_routes,
)
from services.api.context import ApiContext
from services.api.errors import ApiError
from services.api.scope import ScopeDenied
from services.api.settings import ApiSettings
from services.reference.areas import AreaRegistry

log = logging.getLogger("services.api")

DESCRIPTION = """
Verified, disclosure-controlled COVID-19 vaccination uptake for councils.

**Keys.** Every `/v1` request needs `Authorization: Bearer vx_<id>_<secret>`. A council key
reads full breakdowns for its own areas (and the LTLAs inside them) and headline totals
(`breakdown=none`) for every other area; an operator key reads everything, drafts included.

**Releases.** Every number comes from a published, immutable release. Answers carry the
release id (`X-Release-Id`, and in the body); add `release=<id>` to pin a query (the
`permalink` in JSON answers does this). ETags change only when the answer can change: send
`If-None-Match` to get `304 Not Modified` when nothing is new.

**Areas** use the April 2021 geography. A pre-2021 LTLA code (such as Aylesbury Vale's
`E07000004`) answers `404 area_superseded` with the `successor` its residents are counted
under (`E06000060`, Buckinghamshire), as publishers' events with that code are.

**Suppression.** Counts from 1 to 7, and cells hidden to protect them, are suppressed: null
in JSON, blank in CSV, with `*_suppressed` true. Never read them as 0.

**Limits** (answered as 4xx naming the limit, never as a timeout):
- at most {max_rows} rows per answer, else `400 row_limit_exceeded`: narrow with `from`/`to`
  or one `dose`;
- at most {rate} requests in any 60 seconds per key, else `429` with `Retry-After`;
- after {failed} failed authentications in a minute from one client address, or claiming one
  key id, further wrong keys get `429` with `Retry-After`; a valid key is always served.

**CSV.** Stable column order (new columns only ever appended), a file name naming area and
release, and no cell a spreadsheet would run as a formula.
"""


def _error(status: int, code: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, **extra}}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            _error(exc.status, exc.code, exc.message, **exc.extra), exc.status, headers=exc.headers
        )

    @app.exception_handler(ScopeDenied)
    async def denied(request: Request, exc: ScopeDenied) -> JSONResponse:
        return JSONResponse(_error(403, "forbidden", str(exc)), 403)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            (".".join(str(p) for p in e.get("loc", ())), str(e.get("msg", "")))
            for e in exc.errors()
        ]
        details = [{"loc": loc, "msg": msg} for loc, msg in problems]
        message = "; ".join(f"{loc}: {msg}" for loc, msg in problems[:3]) or "invalid request"
        return JSONResponse(_error(422, "invalid_request", message, details=details), 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            _error(exc.status_code, code, str(exc.detail)),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )


def _install_metrics(app: FastAPI, ctx: ApiContext) -> None:
    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        elapsed = time.perf_counter() - started
        ctx.metrics.observe(template, request.method, response.status_code, elapsed)
        principal = getattr(request.state, "principal", None)
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": template,
                "status": response.status_code,
                "ms": round(elapsed * 1000, 1),
                "key_id": principal.key_id if principal else None,
            },
        )
        return response


def create_app(
    *,
    settings: ApiSettings,
    redis_client: redis.Redis,
    areas: AreaRegistry,
    clock: Callable[[], datetime],
) -> FastAPI:
    """The council API wired onto a Redis client, an area registry and a clock."""
    ctx = ApiContext.build(settings=settings, redis_client=redis_client, areas=areas, clock=clock)
    app = FastAPI(
        title="Vaccination data share — council API",
        version="1.0.0",
        description=DESCRIPTION.format(
            max_rows=f"{settings.max_rows:,}",
            rate=settings.rate_limit_per_minute,
            failed=settings.failed_auth_per_minute,
        ),
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.ctx = ctx
    _install_error_handlers(app)
    _install_metrics(app, ctx)
    for module in (
        area_routes,
        data_routes,
        summary_routes,
        release_routes,
        operator_routes,
        health_routes,
        dashboard,
    ):
        app.include_router(module.router)
    return app
