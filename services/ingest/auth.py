"""Publisher authentication: `Authorization: Bearer <API key>` checked against the key store."""

from __future__ import annotations

import redis

from services.access.roles import Role
from services.ingest.errors import RequestRefused
from services.platform.key_store import KeyStore, Principal

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="vaxshare-ingest"'}


def authenticate_publisher(
    key_store: KeyStore, authorization: str | None, *, retry_after: int
) -> Principal:
    """The publisher a request's bearer key stands for; RequestRefused (401/403/503) otherwise."""
    scheme, _, key = (authorization or "").strip().partition(" ")
    if not authorization:
        raise RequestRefused(
            "missing_credentials",
            "send your API key as 'Authorization: Bearer <key>'",
            status=401,
            headers=_CHALLENGE,
        )
    if scheme.lower() != "bearer" or not key.strip():
        raise RequestRefused(
            "invalid_credentials",
            "the Authorization header must be 'Bearer <key>'",
            status=401,
            headers=_CHALLENGE,
        )
    try:
        principal = key_store.authenticate(key.strip())
    except redis.RedisError:
        raise RequestRefused(
            "credentials_unavailable",
            "the key store cannot be reached; retry later",
            status=503,
            headers={"Retry-After": str(retry_after)},
        ) from None
    if principal is None:
        raise RequestRefused(
            "invalid_credentials",
            "the API key is not known or has been revoked",
            status=401,
            headers=_CHALLENGE,
        )
    if principal.role is not Role.PUBLISHER:
        role = principal.role.value
        article = "an" if role[:1] in "aeiou" else "a"
        raise RequestRefused("forbidden", f"{article} {role} key cannot publish events", status=403)
    return principal
