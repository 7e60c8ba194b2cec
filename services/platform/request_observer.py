"""A request id, metrics and one JSON log line per HTTP request, as a pure ASGI middleware.

Used by every HTTP service. The middleware wraps the app directly, with no extra task per
request (as `@app.middleware("http")` would add), so the route runs in the request's task.

The request id comes from a sane `X-Request-ID` header (1-64 letters, digits, `.`, `_` or `-`
holding no NHS number) or is made up; it is set in the logging context for everything logged
while the request runs, and echoed in the answer. Routes are labelled by their template,
never by the raw path (which could carry an area code a caller mistyped, or personal data).
The duration is the time to the start of the answer (the first byte of a streamed one); the
log line is written once the answer is sent, with the fields the route put in the request's
`state.log_fields`. Routes listed as unlogged (liveness probes, every few seconds from each
orchestrator) are counted and timed but logged only when they fail: their lines say nothing
the metrics do not, and cost the probe more than its answer.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.contract.nhs_numbers import holds_nhs_number
from services.platform.json_logging import request_id

_SANE_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
_REQUEST_ID = b"x-request-id"


class Observes(Protocol):
    """Where answered requests are counted (`HttpMetrics`)."""

    def observe(self, route: str, method: str, status: int, seconds: float) -> None: ...


_AS_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def _made_up_ids() -> Iterator[str]:
    """32 letters unique per request: a random prefix for the process, then a count (no
    system call per request, as `uuid4` makes). Letters only, so that a made-up id never
    reads as an NHS number wherever it is echoed or logged."""
    prefix = secrets.token_hex(8).translate(_AS_LETTERS)
    return (prefix + f"{n:016x}".translate(_AS_LETTERS) for n in itertools.count())


def _given_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _REQUEST_ID:
            if _SANE_ID.match(value):
                text = value.decode("ascii")
                return None if holds_nhs_number(text) else text
            return None
    return None


class RequestObserver:
    """Give every HTTP request an id; count, time and log it once it is answered."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Observes,
        logger: logging.Logger,
        unlogged: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logger
        self.unlogged = frozenset(unlogged)
        self.made_up = _made_up_ids()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _given_id(scope) or next(self.made_up)
        header = (b"x-request-id", rid.encode("ascii"))
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        elapsed: float | None = None

        async def observed(message: Message) -> None:
            nonlocal status, elapsed
            if message["type"] == "http.response.start":
                status = message["status"]
                elapsed = time.perf_counter() - started
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            seconds = time.perf_counter() - started if elapsed is None else elapsed
            method = scope["method"]
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(route, method, status, seconds)
            if route not in self.unlogged or status >= 500:
                state: dict[str, Any] = scope.get("state") or {}
                self.log.info(
                    "%s %s %s",
                    method,
                    route,
                    status,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                        **state.get("log_fields", {}),
                    },
                )
            request_id.reset(token)
