"""Reading a request body within limits: its size, and how long it may take to arrive.

A body larger than the limit is refused as soon as that is known (from `Content-Length`, or
while reading); one that has not fully arrived within the timeout is refused with 408, so a
client announcing more than it sends cannot hold a connection; a client that disconnects
before its body arrived raises `ClientGone`, which is not a server error.
"""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.requests import ClientDisconnect

from services.ingest.errors import BodyRejected, ClientGone


async def read_body(request: Request, *, limit: int, timeout: float) -> bytes:
    """The whole body; BodyRejected over `limit` bytes or `timeout` seconds, ClientGone."""
    too_large = BodyRejected(
        "body_too_large", f"the body is larger than {limit} bytes; split it", status=413
    )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
    except TimeoutError:
        raise BodyRejected(
            "body_timeout",
            f"the body did not arrive within {timeout:g} seconds; nothing in this request was "
            "accepted",
            status=408,
            headers={"Connection": "close"},
        ) from None
    except ClientDisconnect:
        raise ClientGone() from None
    return b"".join(chunks)
