"""How a data answer leaves: 304 when the caller holds it, the kept copy when there is one,
else rendered once and kept (small answers of published releases) or streamed.

Shared by every route that renders release data, so conditional requests, the answer cache
and the audit record behave the same whichever question was asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from services.api.answer_cache import CachedAnswer
from services.api.caching import not_modified
from services.api.context import ApiContext
from services.api.read_audit import ReadRecord, audit_entry
from services.api.release_access import latest_read_ahead
from services.releases.model import ReleaseMeta, ReleaseStatus


@dataclass(frozen=True, slots=True)
class Delivery:
    """An answer still to render: its media type, headers and cache slot (None: not kept)."""

    ctx: ApiContext
    media: str
    headers: dict[str, str]
    cache_key: str | None

    def send(self, chunks: Iterable[str], rows: int) -> Response:
        """Keep and send a small answer whole; stream a large one."""
        settings = self.ctx.settings
        if (
            self.cache_key is not None
            and rows <= settings.answer_cache_rows
            and settings.answer_cache_bytes
        ):
            body = "".join(chunks).encode()
            self.ctx.answers.put(self.cache_key, CachedAnswer(body, rows))
            return Response(body, media_type=self.media, headers=self.headers)
        return StreamingResponse(chunks, media_type=self.media, headers=self.headers)


def answer_or_delivery(
    ctx: ApiContext,
    request: Request,
    record: ReadRecord,
    meta: ReleaseMeta,
    *,
    etag: str,
    media: str,
    headers: dict[str, str],
) -> Response | Delivery:
    """A finished answer (304, or the kept copy), or how to deliver a fresh one.

    The body names the release's status and a permalink on this host; only a published
    release never changes, so only its answers are kept, per host.
    """
    unchanged = not_modified(request, headers)
    if unchanged is not None:
        record.outcome = "not_modified"
        return unchanged
    cache_key = f"{etag}|{request.base_url}" if meta.status is ReleaseStatus.PUBLISHED else None
    if cache_key is None:
        return Delivery(ctx, media, headers, None)
    if latest_read_ahead(request) is meta:  # about the latest release: may be replayed
        ctx.replays.note(
            request,
            cache_key=cache_key,
            media=media,
            headers=headers,
            audit=audit_entry(ctx, request, record),
        )
    cached = ctx.answers.get(cache_key)
    if cached is not None:
        record.rows = cached.rows
        ctx.metrics.rows_served.inc(cached.rows)
        return Response(cached.body, media_type=media, headers=headers)
    return Delivery(ctx, media, headers, cache_key)
