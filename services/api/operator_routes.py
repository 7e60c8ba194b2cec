"""Operator endpoints: every release (drafts and held too), publish/hold, dead letters (by
reason and by publisher), keys, and the data-access audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.api.answers import (
    AuditTail,
    DeadLetterCount,
    DeadLetterPublisherCount,
    DeadLetters,
    ErrorBody,
    HoldRequest,
    KeyOut,
    NewKey,
    NewKeyRequest,
    PublishRequest,
    ReleaseList,
    ReleaseOut,
    key_out,
    release_out,
)
from services.api.auth import Context, Operator
from services.api.errors import BadRequestError, ConflictError, NotFoundError
from services.api.query_parameters import CheckedRoute
from services.platform.dead_letters import dead_letter_counts, dead_letter_counts_by_publisher
from services.platform.key_store import KeyStoreError
from services.releases import lifecycle
from services.releases.errors import ReleaseConflict
from services.releases.model import ReleaseMeta

router = APIRouter(prefix="/v1/operator", tags=["operator"], route_class=CheckedRoute)

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Invalid request"},
    401: {"model": ErrorBody, "description": "No valid API key"},
    403: {"model": ErrorBody, "description": "Not an operator key"},
    404: {"model": ErrorBody, "description": "No such release or key"},
    409: {"model": ErrorBody, "description": "Release not in a state allowing this"},
    422: {"model": ErrorBody, "description": "A parameter is malformed"},
    429: {"model": ErrorBody, "description": "Rate limit exceeded; see Retry-After"},
}

ReleaseId = Annotated[int, Path(ge=1, le=2_147_483_647)]
KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", examples=["3f9a0c1b2d4e"])]


def _release(ctx: Context, release_id: int) -> ReleaseMeta:
    meta = ctx.releases.get(release_id)
    if meta is None:
        raise NotFoundError(f"there is no release {release_id}")
    return meta


@router.get("/releases", response_model=ReleaseList, responses=ERRORS, summary="All releases")
def all_releases(principal: Operator, ctx: Context) -> ReleaseList:
    """Every release whatever its status (building, held, draft, published, failed), newest
    first."""
    return ReleaseList(
        latest=ctx.releases.latest_published(),
        releases=[ReleaseOut.model_validate(release_out(m)) for m in ctx.releases.all()],
    )


@router.post(
    "/releases/{release_id}/publish",
    response_model=ReleaseOut,
    responses=ERRORS,
    summary="Publish a draft (or reviewed held) release",
)
def publish(
    principal: Operator,
    ctx: Context,
    release_id: ReleaseId,
    body: PublishRequest | None = None,
) -> ReleaseOut:
    """Publish a draft, or a held release an operator has reviewed; newest becomes latest.

    A release that failed its disclosure audit or has a negative cell can never be published.
    One whose data end before the latest published release's is refused (409) unless the
    body says so on purpose: `{"allow_older_data": true, "reason": "..."}`, recorded in the
    release with the operator's key name.
    """
    request = body or PublishRequest()
    try:
        meta = lifecycle.publish(
            _release(ctx, release_id),
            at=ctx.clock(),
            latest=ctx.releases.latest_published_meta(),
            rollback_reason=request.reason if request.allow_older_data else None,
            by=principal.name,
        )
    except ReleaseConflict as exc:
        raise ConflictError(str(exc)) from exc
    ctx.releases.publish(meta)
    return ReleaseOut.model_validate(release_out(meta))


@router.post(
    "/releases/{release_id}/hold",
    response_model=ReleaseOut,
    responses=ERRORS,
    summary="Hold a draft release with a reason",
)
def hold(principal: Operator, ctx: Context, release_id: ReleaseId, body: HoldRequest) -> ReleaseOut:
    """Keep a draft from councils, recording why (and who) in its held reasons."""
    try:
        meta = lifecycle.hold(_release(ctx, release_id), body.reason, by=principal.name)
    except ReleaseConflict as exc:
        raise ConflictError(str(exc)) from exc
    ctx.releases.save(meta)
    return ReleaseOut.model_validate(release_out(meta))


@router.get(
    "/dead-letters", response_model=DeadLetters, responses=ERRORS, summary="Dead letters by reason"
)
def dead_letters(
    principal: Operator,
    ctx: Context,
    publisher: Annotated[str | None, Query(max_length=200)] = None,
) -> DeadLetters:
    """How many records each stage dead-lettered, by reason, and by reason and publisher
    (only ``publisher``'s with that parameter), most frequent first."""
    prefix = ctx.settings.redis_prefix
    counts = [
        DeadLetterCount(stage=stage, reason=reason, count=n)
        for (stage, reason), n in dead_letter_counts(ctx.client, prefix=prefix).items()
    ]
    counts.sort(key=lambda c: (-c.count, c.stage, c.reason))
    by_publisher = [
        DeadLetterPublisherCount(stage=stage, reason=reason, publisher=name, count=n)
        for (stage, reason, name), n in dead_letter_counts_by_publisher(
            ctx.client, prefix=prefix
        ).items()
        if publisher in (None, name)
    ]
    by_publisher.sort(key=lambda c: (-c.count, c.stage, c.reason, c.publisher))
    return DeadLetters(
        total=sum(c.count for c in counts), by_reason=counts, by_publisher=by_publisher
    )


@router.get("/keys", response_model=list[KeyOut], responses=ERRORS, summary="Every API key")
def list_keys(principal: Operator, ctx: Context) -> list[KeyOut]:
    """Every key ever issued, newest first, with revocation times (never the keys)."""
    return [KeyOut.model_validate(key_out(p)) for p in ctx.keys.list()]


@router.post(
    "/keys", response_model=NewKey, status_code=201, responses=ERRORS, summary="Issue a key"
)
def create_key(principal: Operator, ctx: Context, body: NewKeyRequest) -> NewKey:
    """Issue a key; the answer is the only time the key itself is shown."""
    unknown = [code for code in body.areas if ctx.areas.get(code) is None]
    if unknown:
        raise BadRequestError(f"unknown area code(s): {', '.join(unknown)}")
    try:
        key, created = ctx.keys.create(body.role, body.name, tuple(body.areas))
    except KeyStoreError as exc:
        raise BadRequestError(str(exc)) from exc
    return NewKey(key=key, principal=KeyOut.model_validate(key_out(created)))


@router.post(
    "/keys/{key_id}/revoke", response_model=KeyOut, responses=ERRORS, summary="Revoke a key"
)
def revoke_key(principal: Operator, ctx: Context, key_id: KeyId) -> KeyOut:
    """Revoke a key at once; it stays listed, and the audit log keeps what it read."""
    try:
        return KeyOut.model_validate(key_out(ctx.keys.revoke(key_id)))
    except KeyStoreError as exc:
        raise NotFoundError(str(exc)) from exc


@router.get("/audit", response_model=AuditTail, responses=ERRORS, summary="Data-access audit log")
def audit(
    principal: Operator,
    ctx: Context,
    key_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditTail:
    """The newest data reads, newest first, optionally those of one key only."""
    entries = ctx.audit.tail(limit, key_id=key_id)
    return AuditTail.model_validate({"entries": [e.as_dict() for e in entries]})
