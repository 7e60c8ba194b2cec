"""Finding the release and the published tables a query asks for, or saying why not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from services.api.errors import BadRequestError, NotFoundError
from services.api.scope import Caller, check_release
from services.platform.release_store import ReleaseStore
from services.reference.areas import Area, AreaRegistry
from services.releases.model import PublishedTable, ReleaseMeta

HEADLINE = "none"
HEADLINE_ONLY = ("region", "country")
"""Types of area whose releases publish the headline (breakdown none) only."""


class MissingTableError(NotFoundError):
    """The release holds no table for this area × dose × breakdown."""

    code = "table_not_published"


class BreakdownNotInReleaseError(NotFoundError):
    """The release was built without this breakdown."""

    code = "breakdown_not_in_release"


class NotForAreaTypeError(NotFoundError):
    """This breakdown is never published for this type of area (regions: headline only)."""

    code = "breakdown_not_published_for_area_type"


class EmptyRangeError(BadRequestError):
    """The dates asked for hold no published figure of this release."""

    code = "empty_range"


class NoReleaseError(NotFoundError):
    """No release with this id, or none published yet."""

    code = "release_not_found"


class NotFetched:
    """Marks a request whose latest release was not read ahead."""


NOT_FETCHED = NotFetched()
Latest = ReleaseMeta | None | NotFetched


def latest_read_ahead(request: Request) -> Latest:
    """The latest published release read with the caller's key check, if it was."""
    found: Latest = getattr(request.state, "latest_release", NOT_FETCHED)
    return found


def resolve_release(
    store: ReleaseStore, caller: Caller, release_id: int | None, latest: Latest = NOT_FETCHED
) -> ReleaseMeta:
    """The named release (if the caller may read it), else the latest published one
    (``latest``: as read ahead, in the same round trip as the rate limit)."""
    if release_id is None:
        meta = store.latest_published_meta() if isinstance(latest, NotFetched) else latest
        if meta is None:
            raise NoReleaseError("no release has been published yet")
        return meta
    meta = store.get(release_id)
    if meta is None:
        raise NoReleaseError(f"there is no release {release_id}; GET /v1/releases lists them")
    check_release(caller, str(meta.status))
    return meta


def load_tables(
    store: ReleaseStore, meta: ReleaseMeta, area: Area, doses: list[int], breakdown: str
) -> list[PublishedTable]:
    """The published tables for an area, one per dose, or a 404 saying which is missing."""
    if area.type in HEADLINE_ONLY and breakdown != HEADLINE:
        raise NotForAreaTypeError(
            f"England and the regions are published as headline totals only "
            f"(breakdown=none); ask for {breakdown} of a UTLA or LTLA instead"
        )
    if meta.breakdowns and breakdown not in meta.breakdowns:
        raise BreakdownNotInReleaseError(
            f"release {meta.id} was built without the {breakdown} breakdown; "
            f"it has: {', '.join(meta.breakdowns)}"
        )
    found = store.tables(meta.id, [(area.code, dose, breakdown) for dose in doses])
    tables: list[PublishedTable] = []
    for dose, table in zip(doses, found, strict=True):
        if table is None:
            raise MissingTableError(
                f"release {meta.id} has no table for {area.code}, dose {dose}, {breakdown}"
            )
        tables.append(table)
    return tables


async def release_for(
    store: ReleaseStore, caller: Caller, release_id: int | None, request: Request
) -> ReleaseMeta:
    """`resolve_release` for async handlers: the latest as read ahead with the key check (no
    I/O), a named release read on a worker thread."""
    if release_id is None:
        return resolve_release(store, caller, None, latest_read_ahead(request))
    return await run_in_threadpool(resolve_release, store, caller, release_id)


def check_dates(
    meta: ReleaseMeta, tables: Sequence[PublishedTable], start: date | None, end: date | None
) -> None:
    """400 `empty_range` when no table has a figure dated inside [start, end], saying why."""
    if start is None and end is None:
        return
    if any(t.dates and any(_inside(d, start, end) for d in t.dates) for t in tables):
        return
    asked = f"from {start or 'the start'} to {end or 'the end'}"
    dates = sorted({d for t in tables for d in t.dates})
    if not dates:
        raise EmptyRangeError(f"release {meta.id} has no dated figures for this query")
    weekly = any(t.weekly for t in tables)
    held = (
        f"figures for the end of each week from {dates[0]} to {dates[-1]}"
        if weekly
        else f"daily figures from {dates[0]} to {dates[-1]}"
    )
    raise EmptyRangeError(
        f"nothing is published {asked}: release {meta.id} (data to {meta.last_date}) holds "
        f"{held}; widen from/to, or ask a newer release (GET /v1/releases/latest)"
    )


def _inside(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def load_counts(
    store: ReleaseStore,
    meta: ReleaseMeta,
    area: Area,
    areas: AreaRegistry,
    dose: int,
    breakdowns: set[str],
) -> dict[str, list[PublishedTable]]:
    """The published tables an uptake reads, by breakdown, in one round trip.

    A region publishes its headline only, so its other breakdowns are read from its
    upper-tier areas (their published cells add up to the region's count). Tables the
    release does not hold (or holds for only some of the areas summed) are left out: the
    uptake that needs them says so rather than add up part of the area.
    """
    keys: list[tuple[str, int, str]] = []
    for b in sorted(breakdowns):
        units = areas.children(area.code) if area.type == "region" and b != HEADLINE else ()
        keys += [(unit, dose, b) for unit in units or (area.code,)]
    found: dict[str, list[PublishedTable | None]] = {}
    for (_, _, b), table in zip(keys, store.tables(meta.id, keys), strict=True):
        found.setdefault(b, []).append(table)
    return {
        b: [t for t in tables if t is not None]
        for b, tables in found.items()
        if all(t is not None for t in tables)
    }
