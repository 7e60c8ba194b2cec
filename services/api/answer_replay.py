"""A repeated question answered from the answer cache without going through the router again.

Most of the cost of a cached answer is FastAPI's work before the cache is consulted: routing,
parsing and validating the query, resolving dependencies. When a route serves a kept answer
about the latest release it notes the request (`replay_index`). The same request again is
read ahead here as the route's authentication would (the key's stored record, its rate
limit and the latest release, in one round trip with concurrent requests), and answered from
the kept copy only while all of them are as they were: the record byte for byte (so a
revoked or changed key is refused on this very request), the rate limit accepting it, the
same latest release, the answer still kept. Its audit entry is written, and waited for, as
the route's would be; the observer outside logs and counts it under the route's template.
Anything else (If-None-Match, a changed record, a new release, a refusal, an answer no
longer kept) goes through the route as usual, which then uses the replies already read
instead of reading (and counting) again.
"""

from __future__ import annotations

from fastapi import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.audit_log import AuditEntry
from services.api.context import ApiContext
from services.api.replay_index import request_key

UNNOTED = frozenset({"/healthz", "/readyz", "/metrics"})
"""Paths never answered from the answer cache (probes and scrapes: nothing to look up)."""
READ_AHEAD = "read_ahead"
"""The request state's name for replies read here, for the route's authentication."""


class AnswerReplay:
    """Answer a noted request from the answer cache while nothing it depends on changed."""

    def __init__(self, app: ASGIApp, *, ctx: ApiContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] in UNNOTED:
            await self.app(scope, receive, send)
            return
        key = request_key(scope)
        noted = self.ctx.replays.get(key) if key is not None else None
        if noted is None or key is None:
            await self.app(scope, receive, send)
            return
        ctx = self.ctx
        now = ctx.clock()
        replies = await ctx.read_aheads.read(noted.key_id, now.timestamp())
        record, verdict, latest = replies
        cached = ctx.answers.get(noted.cache_key)
        state = scope.setdefault("state", {})
        if record != noted.record or latest != noted.latest or not int(verdict[0]) or not cached:
            if record != noted.record:
                ctx.replays.forget(key)
            state[READ_AHEAD] = replies  # the route decides, without reading again
            await self.app(scope, receive, send)
            return
        audit = noted.audit
        await ctx.audit_batches.append(
            AuditEntry(
                time=now.isoformat(timespec="milliseconds"),
                key_id=audit.key_id,
                name=audit.name,
                role=audit.role,
                area=audit.area,
                query=audit.query,
                release_id=audit.release_id,
                rows=cached.rows,
                outcome="served",
            )
        )
        ctx.metrics.rows_served.inc(cached.rows)
        scope["route"] = noted.route
        state["log_fields"] = {"key_id": noted.key_id}
        if noted.raw_headers is None or noted.raw_length != len(cached.body):
            answer = Response(cached.body, media_type=noted.media, headers=noted.headers)
            noted.raw_headers, noted.raw_length = answer.raw_headers, len(cached.body)
        # A copy: the middleware outside may change the headers of the answer in place.
        await send({"type": "http.response.start", "status": 200, "headers": [*noted.raw_headers]})
        await send({"type": "http.response.body", "body": cached.body})
