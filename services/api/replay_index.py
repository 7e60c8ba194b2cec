"""Requests answered from the answer cache, remembered so that `answer_replay` can answer
them again without the router (see there for when it may).

A request is known by its path, query, host and the SHA-256 of its Authorization header (the
key itself is not kept), and remembered with what was decided for it: the key's stored record
as it matched, the latest release's stored metadata, the route, the answer's cache slot,
media type and headers, and its audit entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.types import Scope

from services.api.audit_log import AuditEntry
from services.api.key_check import KeyMatch

RequestKey = tuple[str, bytes, bytes, str]

MAX_NOTED = 10_000
"""Requests remembered per worker; the index starts afresh when full."""

_AUTHORIZATION = b"authorization"
_HOST = b"host"
_IF_NONE_MATCH = b"if-none-match"


@dataclass(slots=True)
class Noted:
    """What was decided for a request whose answer was served from the answer cache."""

    key_id: str
    record: bytes | str
    latest: bytes | str
    route: Any
    cache_key: str
    media: str
    headers: dict[str, str]
    audit: AuditEntry
    raw_headers: list[tuple[bytes, bytes]] | None = None
    """The answer's headers as sent, made on its first replay for a body of `raw_length`."""
    raw_length: int = -1


def request_key(scope: Scope) -> RequestKey | None:
    """Path, query, host and the Authorization header's SHA-256 (None without one, or with
    If-None-Match: conditional requests are answered by the route)."""
    authorization = host = b""
    for name, value in scope["headers"]:
        if name == _AUTHORIZATION:
            authorization = value
        elif name == _HOST:
            host = value
        elif name == _IF_NONE_MATCH:
            return None
    if not authorization:
        return None
    digest = hashlib.sha256(authorization).hexdigest()
    return scope["path"], scope["query_string"], host, digest


class ReplayIndex:
    """Requests answered from the answer cache, by path, query, host and key fingerprint."""

    def __init__(self, max_entries: int = MAX_NOTED) -> None:
        self._noted: dict[RequestKey, Noted] = {}
        self._max = max_entries

    def note(
        self,
        request: Request,
        *,
        cache_key: str,
        media: str,
        headers: dict[str, str],
        audit: AuditEntry,
    ) -> None:
        """Remember a GET answered from (or into) the answer cache about the latest release,
        with the key record and release metadata it was answered under."""
        latest = getattr(request.state, "latest_raw", None)
        match: KeyMatch | None = getattr(request.state, "key_match", None)
        key = request_key(request.scope)
        if latest is None or match is None or key is None or request.scope["method"] != "GET":
            return
        if len(self._noted) >= self._max:
            self._noted.clear()
        self._noted[key] = Noted(
            key_id=match.field,
            record=match.record,
            latest=latest,
            route=request.scope.get("route"),
            cache_key=cache_key,
            media=media,
            headers=headers,
            audit=audit,
        )

    def get(self, key: RequestKey) -> Noted | None:
        """The request noted under a key, if any."""
        return self._noted.get(key)

    def forget(self, key: RequestKey) -> None:
        """Drop a request whose key record changed."""
        self._noted.pop(key, None)
