"""Per-request id, HTTP metrics and one JSON access-log line per request.

The request id comes from a sane `X-Request-ID` header (one that holds no NHS number) or is
made up, is set in the logging context for everything logged while the request runs, and is
echoed in the answer. Routes are labelled by their template, never by the raw path (which
could carry personal data).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from services.contract.nhs_numbers import holds_nhs_number
from services.ingest.metrics import IngestMetrics
from services.platform.json_logging import request_id

log = logging.getLogger("services.ingest.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def install_request_tracking(app: FastAPI, metrics: IngestMetrics) -> None:
    """Add the middleware to an app."""

    @app.middleware("http")
    async def track(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-request-id", "")
        sane = _SANE_ID.match(given) and not holds_nhs_number(given)
        rid = given if sane else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = rid
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(request.scope.get("route"), "path", "unmatched")
            metrics.observe_http(route, request.method, status, elapsed)
            log.info(
                "%s %s %s",
                request.method,
                route,
                status,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    **getattr(request.state, "log_fields", {}),
                },
            )
            request_id.reset(token)
