"""ETags and Cache-Control tied to releases, so nightly pulls skip unchanged answers.

An answer about a named release never changes (a published release is immutable), so it may
be cached for a long time; an answer about "the latest release" must be revalidated, and its
ETag changes exactly when a newer release is published. Caches are private: answers depend
on the caller's key. A gzip-compressed answer has an ETag of its own (`gzip_etag`), and
If-None-Match answers 304 for either form.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from fastapi import Request, Response

IMMUTABLE = "private, max-age=86400, immutable"
REVALIDATE = "private, no-cache"
GZIP_SUFFIX = "-gzip"


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


def gzip_etag(etag: str) -> str:
    """The ETag of an answer's gzip-compressed form (`"abc"` -> `"abc-gzip"`, as Apache's
    mod_deflate tags it): other bytes, so another representation with its own ETag."""
    return f'{etag[:-1]}{GZIP_SUFFIX}"' if etag.endswith('"') else etag + GZIP_SUFFIX


def held_etag(request: Request, etag: str) -> str | None:
    """The form of `etag`, plain or gzip, the caller already holds (If-None-Match, weak
    comparison), or None."""
    header = request.headers.get("if-none-match")
    if not header:
        return None
    if header.strip() == "*":
        return etag
    held = {t.strip().removeprefix("W/") for t in header.split(",")}
    if etag in held:
        return etag
    zipped = gzip_etag(etag)
    return zipped if zipped in held else None


def not_modified(request: Request, headers: Mapping[str, str]) -> Response | None:
    """304 Not Modified when the caller holds the answer (its `ETag`, in either form), naming
    the form it holds; else None."""
    held = held_etag(request, headers["ETag"])
    if held is None:
        return None
    vary = ", ".join(v for v in (headers.get("Vary"), "Accept-Encoding") if v)
    return Response(status_code=304, headers={**headers, "ETag": held, "Vary": vary})


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
    unchanged = not_modified(request, headers)
    if unchanged is not None:
        return unchanged
    return Response(body, media_type="application/json", headers=headers)
