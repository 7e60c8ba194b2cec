"""gzip for callers that ask for it, with an ETag of its own for the compressed answer.

Starlette's `GZipMiddleware` compresses; this tags what it compressed. A gzip answer is
other bytes than the plain one, so it is another representation and must not share its
strong ETag (RFC 9110 8.8.3): caches and `If-None-Match` would otherwise mix the two. The
compressed answer's ETag gets the suffix `-gzip` (`caching.gzip_etag`, as Apache tags it); the
routes answer 304 for either form. Every answer says `Vary: Accept-Encoding`. A request that
does not accept gzip does not go through Starlette's middleware at all (it would only parse
the answer's headers to leave them as they are).
"""

from __future__ import annotations

from fastapi.middleware.gzip import GZipMiddleware
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.caching import GZIP_SUFFIX, gzip_etag

_ACCEPT_ENCODING = b"accept-encoding"


def _accepts_gzip(scope: Scope) -> bool:
    return any(name == _ACCEPT_ENCODING and b"gzip" in value for name, value in scope["headers"])


def _varying(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers with Accept-Encoding named in Vary (added to the one there, if any)."""
    varied = list(headers)
    for i, (name, value) in enumerate(varied):
        if name.lower() == b"vary":
            if _ACCEPT_ENCODING not in value.lower():
                varied[i] = (name, value + b", Accept-Encoding")
            return varied
    varied.append((b"vary", b"Accept-Encoding"))
    return varied


class GzipAnswers:
    """Compress answers of `minimum_size` bytes or more for callers that accept gzip."""

    def __init__(self, app: ASGIApp, *, minimum_size: int, compresslevel: int) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        compressing = _accepts_gzip(scope)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _varying(message.get("headers", []))
                if compressing:
                    headers = MutableHeaders(scope=message)
                    etag = headers.get("etag")
                    zipped = headers.get("content-encoding") == "gzip"
                    if zipped and etag is not None and not etag.endswith(f'{GZIP_SUFFIX}"'):
                        headers["ETag"] = gzip_etag(etag)
            await send(message)

        await (self.gzip if compressing else self.app)(scope, receive, tagged)
