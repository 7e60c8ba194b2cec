"""HEAD on every GET route: the GET's status and headers, without its body (RFC 9110 9.3.2).

The request goes on as a GET in a copy of the scope: the server's own scope still says HEAD,
so it expects no body, and the request log (outside) names it HEAD.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadRequests:
    """Answer HEAD as GET with the body left out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        as_get = {**scope, "method": "GET"}

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            await self.app(as_get, receive, without_body)
        finally:
            # The observer outside reads the matched route from the scope it passed on.
            scope["route"] = as_get.get("route")
            scope["state"] = as_get.get("state", scope.get("state"))
