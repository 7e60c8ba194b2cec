"""Who am I, and which areas exist (with what this key may read of each)."""

from __future__ import annotations

import functools
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from services.access.roles import Role
from services.api.answers import AreaList, AreaOut, ErrorBody, Me
from services.api.auth import Context, Reader
from services.api.caching import REVALIDATE, cached_json
from services.api.data_queries import AreaCode, area_of
from services.api.query_parameters import CheckedRoute
from services.api.scope import detail_areas, may_see_detail
from services.platform.key_store import Principal
from services.reference.areas import Area, AreaRegistry

router = APIRouter(prefix="/v1", tags=["areas"], route_class=CheckedRoute)

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "A query parameter this endpoint does not take"},
    401: {"model": ErrorBody, "description": "No valid API key"},
    403: {"model": ErrorBody, "description": "This key's role reads no data"},
    404: {"model": ErrorBody, "description": "Unknown area"},
    422: {"model": ErrorBody, "description": "A parameter is malformed"},
    429: {"model": ErrorBody, "description": "Rate limit exceeded; see Retry-After"},
}


Tier = Literal["ltla", "utla", "region", "country"]


@functools.cache
def _tier_sets(registry: AreaRegistry) -> dict[Tier, frozenset[str]]:
    return {
        "ltla": frozenset(a.code for a in registry.ltlas()),
        "utla": frozenset(a.code for a in registry.utlas()),
        "region": frozenset(a.code for a in registry.regions()),
        "country": frozenset(a.code for a in (registry.country(),) if a is not None),
    }


def _tiers(registry: AreaRegistry, code: str) -> list[Tier]:
    return [tier for tier, codes in _tier_sets(registry).items() if code in codes]


def _parents(registry: AreaRegistry, area: Area) -> list[str]:
    """Enclosing areas, nearest first (a unitary code is not its own parent)."""
    parents: list[str] = []
    code = area.code
    parent = area.parent_code
    while parent is not None and parent != code:
        parents.append(parent)
        code, enclosing = parent, registry.get(parent)
        parent = enclosing.parent_code if enclosing else None
    return parents


def area_out(registry: AreaRegistry, principal: Principal, area: Area) -> dict[str, object]:
    """One area as listed to this caller."""
    return {
        "code": area.code,
        "name": area.name,
        "type": area.type,
        "tiers": _tiers(registry, area.code),
        "parent_codes": _parents(registry, area),
        "ltla_codes": list(registry.ltla_codes_in(area.code)),
        "population": area.population,
        "access": "full" if may_see_detail(principal, area.code, registry) else "headline",
    }


@router.get("/me", response_model=Me, responses=ERRORS, summary="The caller's key and scope")
def me(principal: Reader, ctx: Context) -> Me:
    """Who this key belongs to and which areas it may read in full."""
    full: list[str] | Literal["all"] = (
        "all" if principal.role == Role.OPERATOR else sorted(detail_areas(principal, ctx.areas))
    )
    return Me(
        key_id=principal.key_id,
        name=principal.name,
        role=str(principal.role),
        areas=list(principal.areas),
        full_access_areas=full,
    )


@router.get(
    "/areas",
    response_model=AreaList,
    responses={**ERRORS, 304: {"description": "Unchanged"}},
    summary="England and every region, UTLA and LTLA, with parents, populations and access",
)
def list_areas(
    request: Request,
    principal: Reader,
    ctx: Context,
    type: Annotated[Tier | None, Query(description="Only areas of this tier")] = None,
) -> Response:
    """England and its areas (April 2021 geography); a unitary code is listed once, as a UTLA."""
    registry = ctx.areas
    seen: dict[str, Area] = {}
    country = (registry.country(),) if registry.country() is not None else ()
    for area in (*country, *registry.regions(), *registry.utlas(), *registry.ltlas()):
        if type is None or type in _tiers(registry, area.code):
            seen.setdefault(area.code, area)
    areas = [AreaOut.model_validate(area_out(registry, principal, a)) for a in seen.values()]
    body = AreaList(count=len(areas), areas=areas).model_dump_json().encode()
    return cached_json(request, body, REVALIDATE)


@router.get("/areas/{code}", response_model=AreaOut, responses=ERRORS, summary="One area")
def get_area(request: Request, principal: Reader, ctx: Context, code: AreaCode) -> Response:
    """An area with its parents, the LTLAs it covers, its population and this key's access."""
    area = area_of(ctx, code)
    body = AreaOut.model_validate(area_out(ctx.areas, principal, area)).model_dump_json()
    return cached_json(request, body.encode(), REVALIDATE)
