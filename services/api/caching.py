"""ETags and Cache-Control tied to releases, so nightly pulls skip unchanged answers.

An answer about a named release never changes (a published release is immutable), so it may
be cached for a long time; an answer about "the latest release" must be revalidated, and its
ETag changes exactly when a newer release is published. Caches are private: answers depend
on the caller's key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from fastapi import Request, Response

IMMUTABLE = "private, max-age=86400, immutable"
REVALIDATE = "private, no-cache"


def etag_for(release_etag: str, query: Mapping[str, object]) -> str:
    """A strong ETag from the release's own ETag and the canonical query."""
    canonical = json.dumps(dict(sorted(query.items())), default=str, separators=(",", ":"))
    digest = hashlib.sha256(f"{release_etag}|{canonical}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def etag_of_body(body: bytes) -> str:
    """A strong ETag of a small answer's exact bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def release_etag(release_id: int, as_of: str, stored: str) -> str:
    """The release's ETag as written by the builder, or one derived from its identity."""
    return stored or f"release-{release_id}-{as_of}"


def not_modified(request: Request, etag: str) -> bool:
    """True when the caller already holds this ETag (If-None-Match, weak comparison)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    held = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in held


def cache_control(*, named_release: bool) -> str:
    """Long-lived for a named (immutable) release, revalidated for "latest"."""
    return IMMUTABLE if named_release else REVALIDATE


def cached_json(
    request: Request, body: bytes, control: str, *, etag: str | None = None, **extra: str
) -> Response:
    """A small JSON answer with an ETag (of its bytes unless given), or 304 when the caller
    has it."""
    etag = etag or etag_of_body(body)
    headers = {"ETag": etag, "Cache-Control": control, "Vary": "Authorization", **extra}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
