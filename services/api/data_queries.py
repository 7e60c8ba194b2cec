"""The query parameters the data routes share, and what they resolve to.

Breakdown, dose, release, format, and the population every uptake is over (``ages``,
``source``, ``standard``); a population that cannot be formed is a 400 with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Path, Query, Request

from services.api.age_standardisation import Standard
from services.api.answers import ErrorBody
from services.api.auth import Context
from services.api.caching import cache_control
from services.api.errors import AreaSupersededError, NotFoundError, UnsupportedPopulationError
from services.reference import breakdown_populations as rules
from services.reference.age_ranges import AgeRange
from services.reference.areas import Area
from services.reference.denominators import Source
from services.reference.errors import AgeRangeError, UptakeQueryError
from services.releases.model import ReleaseMeta

BreakdownName = Literal[
    "none",
    "age_band",
    "jcvi_age_band",
    "jcvi_group",
    "ethnic_group",
    "ethnic_group_detailed",
    "sex",
    "imd_decile",
    "msoa",
    "age_band_ethnic_group",
]
DoseChoice = Literal["1", "2", "3", "all"]
Format = Literal["json", "csv", "jsonl"]

AreaCode = Annotated[
    str, Path(min_length=9, max_length=9, pattern=r"^[EWSN]\d{8}$", examples=["E09000013"])
]
DoseQ = Annotated[DoseChoice, Query(description="Dose 1, 2, 3, or all (one set of rows each)")]
ReleaseQ = Annotated[
    int | None,
    Query(ge=1, le=2_147_483_647, description="Release id; default: the latest published"),
]
FormatQ = Annotated[
    Format,
    Query(
        description="json; csv (a download with stable columns); or jsonl (JSON Lines: one "
        "row a line, nothing else)"
    ),
]
AgesQ = Annotated[
    str,
    Query(
        max_length=12,
        description="Ages of the population uptake is over: 16+ (the default), 18+, 50+, 65+, "
        "lo-hi (e.g. 50-64), lo+ or all",
        examples=["16+"],
    ),
]
SourceQ = Annotated[
    Literal["ons", "census", "nims"] | None,
    Query(
        description="Population source: ons (ONS mid-2020 estimates), census (Census 2021) or "
        "nims (NHS England NIMS register, 6 July 2021); default: census for ethnic groups, "
        "ons otherwise"
    ),
]
StandardQ = Annotated[
    Standard,
    Query(
        description="Standard population of the age-standardised uptake of ethnic groups: area "
        "(the area's own Census 2021 population in the chosen ages) or esp2013 (the 2013 "
        "European Standard Population)"
    ),
]

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Query too large (the limit is named) or invalid"},
    401: {"model": ErrorBody, "description": "No valid API key"},
    403: {"model": ErrorBody, "description": "Outside the key's scope"},
    404: {"model": ErrorBody, "description": "Unknown area or release, or table not published"},
    422: {"model": ErrorBody, "description": "A parameter is malformed"},
    429: {"model": ErrorBody, "description": "Rate limit exceeded; see Retry-After"},
}


def area_of(ctx: Context, code: str) -> Area:
    """The area of a code; 404 naming a pre-2021 code's successor (as the ingest maps it)."""
    registry = ctx.areas
    area = registry.get(code)
    if area is not None:
        return area
    successor = registry.resolve_ltla(code)
    current = registry.get(successor) if successor else None
    if current is not None:
        raise AreaSupersededError(code, current.code, current.name)
    raise NotFoundError(f"there is no area {code}; GET /v1/areas lists the codes")


def doses_of(dose: DoseChoice) -> list[int]:
    """The doses a dose choice names."""
    return [1, 2, 3] if dose == "all" else [int(dose)]


def population_query(
    breakdown: str, ages_text: str, source: str | None, *, headline_only: bool = False
) -> tuple[AgeRange, Source | None]:
    """The ages and source an uptake is over, or a 400 saying why they cannot be used.

    ``headline_only``: the caller may read only this area's headline (a count of every age),
    so its uptake is only given over the ages such a count stands for.
    """
    try:
        ages = AgeRange.parse(ages_text)
        chosen = rules.check(breakdown, ages, None if source is None else Source(source))
    except (AgeRangeError, UptakeQueryError) as exc:
        raise UnsupportedPopulationError(str(exc)) from None
    if headline_only and not rules.of_every_age(ages):
        raise UnsupportedPopulationError(
            f"ages={ages} cannot be used here: this key reads only the headline of this area "
            "(a count of every age, not by age), so its uptake is only given over ages=all, "
            "16+ or 18+"
        )
    return ages, chosen


def permalink(request: Request, meta: ReleaseMeta, **params: object) -> str:
    """The query pinned to its release, in one canonical form whatever the caller sent."""
    names = {"start": "from", "end": "to"}
    query = {names.get(k, k): str(v) for k, v in params.items() if v is not None}
    return str(request.url.replace(query=urlencode({**query, "release": meta.id})))


def query_out(query: Mapping[str, object]) -> dict[str, object]:
    """The query as an answer states it (dates as ISO text)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in query.items()}


def cache_headers(meta: ReleaseMeta, etag: str, named: bool) -> dict[str, str]:
    """Headers that let a caller (or a nightly script) skip unchanged answers."""
    return {
        "ETag": etag,
        "Cache-Control": cache_control(named_release=named),
        "Vary": "Authorization",
        "X-Release-Id": str(meta.id),
    }
