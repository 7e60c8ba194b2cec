"""Authentication: a Bearer API key from the shared key store becomes a `Principal`.

401 without a valid key (missing, malformed, unknown or revoked), 429 when a key is over its
rate limit, or for a wrong key once its address or claimed key id has failed too often
(`auth_throttle`). A key whose secret matches is never refused by that throttle. The key is
never logged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from services.api.answer_replay import READ_AHEAD
from services.api.client_address import client_address
from services.api.context import ApiContext, get_context
from services.api.errors import UnauthenticatedError
from services.api.key_check import KeyMatch, check_record, key_field, read_key_record
from services.api.read_aheads import ReadAhead
from services.api.scope import check_operator, may_read
from services.platform.key_store import Principal, parse_key_id

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key issued by an operator: `Authorization: Bearer vx_<id>_<secret>`.",
)

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="vaxshare"'}


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ctx: Annotated[ApiContext, Depends(get_context)],
) -> Principal:
    """The caller's principal, or 401/429 (on the event loop: no thread hop per request)."""
    now = ctx.clock().timestamp()
    if credentials is None:
        raise UnauthenticatedError(
            "an API key is required: send it as 'Authorization: Bearer vx_<id>_<secret>'",
            headers=_CHALLENGE,
        )
    token = credentials.credentials
    ahead: ReadAhead | None = request.scope.get("state", {}).get(READ_AHEAD)
    if ahead is None and ctx.matched_keys.get(token) is not None:
        # One round trip: the key's record (re-read, so a revoked or changed key is refused
        # on this request), its rate limit and the latest release. Counting ahead of this
        # request's check spends only the allowance of a key this worker saw match its
        # stored record: a guessed key id never gets here.
        ahead = await ctx.read_aheads.read(key_field(token), now)
    if ahead is not None:
        record = ahead.record
    else:
        record = await read_key_record(ctx.aio, ctx.redis_keys.api_keys, token)
    principal = check_record(ctx.matched_keys, token, record)
    if principal is None or record is None:
        address = client_address(
            request.client.host if request.client else None,
            request.headers.getlist("x-forwarded-for"),
            ctx.trusted_proxies,
        )
        await run_in_threadpool(
            ctx.auth_throttle.failed, address=address, key_id=parse_key_id(token), now=now
        )
        raise UnauthenticatedError(
            "this API key is malformed, unknown or revoked; ask an operator for a valid key",
            headers=_CHALLENGE,
        )
    request.state.log_fields = {"key_id": principal.key_id}  # the key itself is never logged
    request.state.key_match = KeyMatch(key_field(token), record)
    if ahead is None:
        # Counted only once the secret matched: key ids are not secret (operators list them,
        # the audit log names them), so a guess must not spend someone else's allowance.
        ahead = await ctx.read_aheads.read(principal.key_id, now)
    ctx.limiter.verdict(ahead.verdict, now)
    request.state.latest_raw = ahead.latest
    request.state.latest_release = ctx.read_aheads.latest_meta(ahead.latest)
    return principal


async def reader(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """A principal allowed to read data (council or operator), else 403."""
    # async: no I/O here, and FastAPI runs a sync dependency on a worker thread (a hop).
    may_read(principal)
    return principal


async def operator(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """An operator principal, else 403."""
    check_operator(principal)
    return principal


Reader = Annotated[Principal, Depends(reader)]
Operator = Annotated[Principal, Depends(operator)]
Context = Annotated[ApiContext, Depends(get_context)]
