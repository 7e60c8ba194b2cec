"""Recording every data read (served, refused or not modified) in the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import Request

from services.api.audit_log import AuditEntry
from services.api.context import ApiContext
from services.api.errors import ApiError, NotFoundError
from services.api.scope import ScopeDenied
from services.platform.key_store import Principal


@dataclass
class ReadRecord:
    """What a handler learns while answering: filled in as it goes."""

    principal: Principal
    area: str
    release_id: int | None = None
    rows: int = 0
    outcome: str = "served"


def _outcome(exc: ScopeDenied | ApiError) -> str:
    if isinstance(exc, ScopeDenied):
        return "denied"
    return "not_found" if isinstance(exc, NotFoundError) else "rejected"


def audit_entry(ctx: ApiContext, request: Request, record: ReadRecord) -> AuditEntry:
    """The audit entry of a read, as it stands."""
    query = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    principal = record.principal
    return AuditEntry(
        time=ctx.clock().isoformat(timespec="milliseconds"),
        key_id=principal.key_id,
        name=principal.name,
        role=str(principal.role),
        area=record.area,
        query=query,
        release_id=record.release_id,
        rows=record.rows if record.outcome == "served" else 0,
        outcome=record.outcome,
    )


@asynccontextmanager
async def audited(
    ctx: ApiContext, principal: Principal, request: Request, area: str
) -> AsyncIterator[ReadRecord]:
    """Append one audit entry for the read done inside the block, whatever its outcome
    (through the asyncio client, batched with concurrent reads' entries)."""
    record = ReadRecord(principal, area)
    try:
        yield record
    except (ScopeDenied, ApiError) as exc:
        record.outcome = _outcome(exc)
        raise
    finally:
        await ctx.audit_batches.append(audit_entry(ctx, request, record))
