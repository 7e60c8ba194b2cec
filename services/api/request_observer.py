"""Metrics and one JSON log line per request, as a pure ASGI middleware (no extra task hop).

Routes are labelled by their template, never by the raw path (which could carry an area
code a caller mistyped, or worse). The duration is the time to the start of the answer (its
first byte for streamed ones); the log line is written once the answer is sent. Liveness
probes (`/healthz`, every few seconds from each orchestrator) are counted and timed but not
logged: their lines say nothing the metrics do not, and cost the probe more than its answer.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.metrics import ApiMetrics

log = logging.getLogger("services.api")

UNLOGGED_ROUTES = frozenset({"/healthz"})


class RequestObserver:
    """Count, time and log every HTTP request the app answers."""

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        elapsed: float | None = None

        async def observed(message: Message) -> None:
            nonlocal status, elapsed
            if message["type"] == "http.response.start":
                status = message["status"]
                elapsed = time.perf_counter() - started
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            seconds = time.perf_counter() - started if elapsed is None else elapsed
            method = scope["method"]
            template = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(template, method, status, seconds)
            if template not in UNLOGGED_ROUTES or status >= 500:
                self._log(scope, method, template, status, seconds)

    @staticmethod
    def _log(scope: Scope, method: str, template: str, status: int, seconds: float) -> None:
        state: dict[str, Any] = scope.get("state") or {}
        principal = state.get("principal")
        log.info(
            "request",
            extra={
                "method": method,
                "route": template,
                "status": status,
                "ms": round(seconds * 1000, 1),
                "key_id": principal.key_id if principal else None,
            },
        )
