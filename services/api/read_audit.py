"""Recording every data read (served, refused or not modified) in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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

    release_id: int | None = None
    rows: int = 0
    outcome: str = "served"


@contextmanager
def audited(
    ctx: ApiContext, principal: Principal, request: Request, area: str
) -> Iterator[ReadRecord]:
    """Append one audit entry for the read done inside the block, whatever its outcome."""
    record = ReadRecord()
    try:
        yield record
    except ScopeDenied:
        record.outcome = "denied"
        raise
    except NotFoundError:
        record.outcome = "not_found"
        raise
    except ApiError:
        record.outcome = "rejected"
        raise
    finally:
        query = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        ctx.audit.append(
            AuditEntry(
                time=ctx.clock().isoformat(timespec="milliseconds"),
                key_id=principal.key_id,
                name=principal.name,
                role=str(principal.role),
                area=area,
                query=query,
                release_id=record.release_id,
                rows=record.rows if record.outcome == "served" else 0,
                outcome=record.outcome,
            )
        )
