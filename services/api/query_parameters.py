"""A misspelt query parameter is an error, not a silent default (`?breakdwon=msoa` → 400).

Each route's known parameters are the query parameters it and its dependencies declare,
read once from FastAPI's own description of the route.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from services.api.errors import BadRequestError

_ATTRIBUTE = "vaxshare_query_parameters"


class UnknownParameterError(BadRequestError):
    """The query names a parameter the route does not take."""

    code = "unknown_parameter"


def _query_names(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def known_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameters a route takes (cached per route)."""
    found: frozenset[str] | None = getattr(route, _ATTRIBUTE, None)
    if found is None:
        found = frozenset(_query_names(route.dependant))
        setattr(route, _ATTRIBUTE, found)
    return found


async def reject_unknown_parameters(request: Request) -> None:
    """FastAPI dependency: 400 `unknown_parameter` naming every parameter the route ignores."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.scope.get("query_string"):
        return
    known = known_parameters(route)
    unknown = sorted(set(request.query_params) - known)
    if not unknown:
        return
    takes = ", ".join(sorted(known)) or "no query parameters"
    error = UnknownParameterError(
        f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
        f"{', '.join(repr(u) for u in unknown)}; this endpoint takes: {takes}"
    )
    error.extra = {"details": [{"loc": f"query.{name}", "msg": "unknown"} for name in unknown]}
    raise error
