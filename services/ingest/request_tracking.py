"""Per-request id, HTTP metrics and one JSON access-log line per request (pure ASGI middleware).

The request id comes from a sane `X-Request-ID` header (one that holds no NHS number) or is
made up, is set in the logging context for everything logged while the request runs, and is
echoed in the answer. Routes are labelled by their template, never by the raw path (which
could carry personal data). The middleware wraps the app directly, with no extra task per
request (as `@app.middleware("http")` would add), so the route runs in the request's task.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.contract.nhs_numbers import holds_nhs_number
from services.ingest.metrics import IngestMetrics
from services.platform.json_logging import request_id

log = logging.getLogger("services.ingest.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def install_request_tracking(app: FastAPI, metrics: IngestMetrics) -> None:
    """Add the middleware to an app."""
    app.add_middleware(RequestTracking, metrics=metrics)


class RequestTracking:
    """Give every HTTP request an id; count, time and log it once it is answered."""

    def __init__(self, app: ASGIApp, *, metrics: IngestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        sane = _SANE_ID.match(given) and not holds_nhs_number(given)
        rid = given if sane else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"]
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.observe_http(route, method, status, elapsed)
            # The routes add fields (the publisher, counts) to the request's state.
            state: dict[str, Any] = scope.get("state") or {}
            log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    **state.get("log_fields", {}),
                },
            )
            request_id.reset(token)
