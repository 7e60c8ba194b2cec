"""How a release moves between statuses: the one set of rules the CLI and the operator API share.

    building --checks pass--> draft --publish--> published   (immutable from then on)
        |                       |  ^
        |                     hold |publish (after review, unless a privacy check failed)
        |                       v  |
        +--checks fail------> held
        +--the build stopped--> failed                        (never publishable)

- Only a draft or a held release can be published, and never one that failed a check no
  review can override (`NEVER_PUBLISHABLE`). Publishing a published release is a conflict,
  reported to the caller, not silently accepted.
- A release whose data end before the latest published release's is published only when the
  operator says why (`rollback_reason`): councils read the newest release as "latest", so
  publishing an older cut by mistake would take their figures back in time. The decision is
  recorded in the release (`Rollback`: which release it went behind, why, who).
- Only a draft or a held release can be held; a building one is not finished, a published
  one is immutable (publish a newer one instead).
- A building release whose builder is gone (its lease expired: the process crashed or was
  killed) is stuck; it is marked failed with a reason and its partial tables dropped.

Every function is pure: it returns the changed metadata, and the caller stores it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.releases.errors import ReleaseConflict
from services.releases.model import ReleaseMeta, ReleaseStatus, Rollback

NEVER_PUBLISHABLE = frozenset({"disclosure_audit", "no_negative_cells"})
"""Checks whose failure no operator review can override: privacy and impossible counts."""

REVIEWABLE = (ReleaseStatus.DRAFT, ReleaseStatus.HELD)


def publish_blockers(meta: ReleaseMeta) -> list[str]:
    """Why a release may not be published (empty when an operator may publish it)."""
    if meta.status is ReleaseStatus.PUBLISHED:
        return [f"it is already published (at {meta.published_at}); publish a newer release"]
    if meta.status not in REVIEWABLE:
        return [f"it is {meta.status.value}; only a draft or held release can be published"]
    failed = [c.name for c in meta.checks if not c.passed and c.name in NEVER_PUBLISHABLE]
    return [f"it failed {', '.join(failed)}; it can never be published"] if failed else []


def hold_blockers(meta: ReleaseMeta) -> list[str]:
    """Why a release may not be held (empty when it may)."""
    if meta.status in REVIEWABLE:
        return []
    if meta.status is ReleaseStatus.PUBLISHED:
        return [
            "it is published; only a draft can be held "
            "(a published release is immutable: publish a newer one instead)"
        ]
    return [f"it is {meta.status.value}; only a draft can be held"]


def goes_back(meta: ReleaseMeta, latest: ReleaseMeta | None) -> bool:
    """True when ``meta``'s data end before those of ``latest`` (the latest published)."""
    return latest is not None and latest.id != meta.id and meta.as_of < latest.as_of


def publish(
    meta: ReleaseMeta,
    *,
    at: datetime,
    latest: ReleaseMeta | None,
    rollback_reason: str | None = None,
    by: str = "",
) -> ReleaseMeta:
    """The release published at ``at``; ReleaseConflict when the rules forbid it.

    ``latest`` is the latest published release. A release whose data end before its data is
    refused unless ``rollback_reason`` says why; the reason and ``by`` are then recorded.
    """
    blockers = publish_blockers(meta)
    rollback = None
    if latest is not None and goes_back(meta, latest) and not blockers:
        reason = (rollback_reason or "").strip()
        if not reason:
            blockers = [
                f"its data end on {meta.as_of}, before those of release {latest.id} "
                f"(to {latest.as_of}), the latest published; councils would see older figures "
                "as the latest. Publish it only on purpose, saying why"
            ]
        else:
            rollback = Rollback(latest.id, latest.as_of, reason, by)
    _refuse(meta, blockers)
    return replace(meta, status=ReleaseStatus.PUBLISHED, published_at=_stamp(at), rollback=rollback)


def hold(meta: ReleaseMeta, reason: str, *, by: str) -> ReleaseMeta:
    """The release held, its reason (and who held it) recorded; ReleaseConflict if forbidden."""
    _refuse(meta, hold_blockers(meta))
    return replace(
        meta,
        status=ReleaseStatus.HELD,
        held_reasons=[*meta.held_reasons, f"{reason.strip()} (by {by})"],
    )


def is_stuck(meta: ReleaseMeta, *, builder_alive: bool) -> bool:
    """True for a building release no live builder is working on."""
    return meta.status is ReleaseStatus.BUILDING and not builder_alive


def fail(meta: ReleaseMeta, reason: str) -> ReleaseMeta:
    """A building release marked failed with the reason its build stopped."""
    if meta.status is not ReleaseStatus.BUILDING:
        raise ReleaseConflict(f"release {meta.id} is {meta.status.value}, not building")
    return replace(meta, status=ReleaseStatus.FAILED, held_reasons=[*meta.held_reasons, reason])


def _refuse(meta: ReleaseMeta, blockers: list[str]) -> None:
    if blockers:
        raise ReleaseConflict(f"release {meta.id}: {'; '.join(blockers)}")


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")
