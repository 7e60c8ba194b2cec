"""The council API app: routes under /v1, errors as `{"error": {...}}`, metrics per route."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from services.api import (
    area_routes,
    dashboard,
    data_routes,
    headline_routes,
    health_routes,
    operator_routes,
    release_routes,
    summary_routes,
)
from services.api.answer_replay import AnswerReplay
from services.api.compression import GzipAnswers
from services.api.context import ApiContext
from services.api.errors import ApiError
from services.api.head_requests import HeadRequests
from services.api.scope import ScopeDenied
from services.api.settings import ApiSettings
from services.offline_docs import serve_docs
from services.platform.request_observer import RequestObserver
from services.reference.areas import AreaRegistry

GZIP_MIN_BYTES = 1000
"""Answers smaller than this are sent as they are, compressed or not."""
UNLOGGED_ROUTES = ("/healthz",)
"""Liveness probes: counted and timed, logged only when they fail."""

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

**Rounding and suppression** (NHS Digital policy, applied to every published count): 0 stays
0; a count from 1 to 7 is never shown; every other count is rounded to the nearest 5 (`new` is
the difference of two published cumulative counts, so it adds up). A few groups are published
more coarsely to protect linked figures: each row gives its step (`rounded_to`) and the most
it can differ from the true count (`max_error`). A blank (null in JSON, empty in CSV, with
`*_suppressed` true) is a count of 1 to 7 *or* — far more often — a figure held back to
protect another published figure, or a group `withheld` on every date for that reason. Never
read a blank as 0. Uptake percentages are computed from the published counts, to one
decimal place.

**Limits** (answered as 4xx naming the limit, never as a timeout):
- at most {max_rows} rows per answer, else `400 row_limit_exceeded`: narrow with `from`/`to`
  or one `dose`;
- at most {rate} requests in any 60 seconds per key, else `429` with `Retry-After`;
- after {failed} failed authentications in a minute from one client address, or claiming one
  key id, further wrong keys get `429` with `Retry-After`; a valid key is always served.

**Formats.** `format=json` (the default), `csv` (stable column order, new columns only ever
appended; a file name naming area and release; no cell a spreadsheet would run as a formula)
or `jsonl` (JSON Lines: one row a line). Every answer is gzip-compressed when the request
says `Accept-Encoding: gzip`. Every GET also answers HEAD.

**Parameters.** A query parameter the endpoint does not take is an error
(`400 unknown_parameter`, naming it), never silently ignored; dates outside the release answer
`400 empty_range` with the dates it holds.

**England** (`E92000001`) and every region, UTLA and LTLA have published headline figures,
readable with every key; `GET /v1/headlines?area_type=ltla&metric=uptake_percent` gives one
metric of every area of a type in one call.
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


def create_app(
    *,
    settings: ApiSettings,
    redis_client: redis.Redis,
    areas: AreaRegistry,
    clock: Callable[[], datetime],
) -> FastAPI:
    """The council API wired onto a Redis client, an area registry and a clock."""
    ctx = ApiContext.build(settings=settings, redis_client=redis_client, areas=areas, clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await ctx.aio.aclose()

    app = FastAPI(
        lifespan=lifespan,
        title="Vaccination data share — council API",
        version="1.0.0",
        description=DESCRIPTION.format(
            max_rows=f"{settings.max_rows:,}",
            rate=settings.rate_limit_per_minute,
            failed=settings.failed_auth_per_minute,
        ),
        openapi_url="/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        # Metrics are Prometheus's (`/metrics`); FastAPI's own OpenTelemetry hooks would only
        # look up an unconfigured tracer on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.ctx = ctx
    _install_error_handlers(app)
    # Pure ASGI middleware, outermost last: the observer sees every answer (HEAD included),
    # HEAD drops the body of the (compressed, when asked for) GET answer, which a repeated
    # question may get from the answer cache without the router.
    app.add_middleware(AnswerReplay, ctx=ctx)
    app.add_middleware(GzipAnswers, minimum_size=GZIP_MIN_BYTES, compresslevel=6)
    app.add_middleware(HeadRequests)
    app.add_middleware(
        RequestObserver,
        metrics=ctx.metrics.http,
        logger=logging.getLogger("services.api.access"),
        unlogged=UNLOGGED_ROUTES,
    )
    # Routes are matched router by router, in this order: the busiest first.
    health_routes.add_liveness(app)
    for module in (
        health_routes,
        data_routes,
        summary_routes,
        headline_routes,
        area_routes,
        release_routes,
        operator_routes,
    ):
        app.include_router(module.router)
    app.include_router(dashboard.router)
    serve_docs(app, docs_url="/v1/docs", redoc_url="/v1/redoc", title=app.title)
    return app
