"""A misspelt query parameter is an error, not a silent default (`?breakdwon=msoa` → 400).

Each route's known parameters are the query parameters it and its dependencies declare,
read once from FastAPI's own description of the route.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from services.api.errors import BadRequestError


class UnknownParameterError(BadRequestError):
    """The query names a parameter the route does not take."""

    code = "unknown_parameter"


def _query_names(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def check_parameters(sent: Iterable[str], known: frozenset[str]) -> None:
    """Raise `UnknownParameterError` naming every sent parameter that is not known."""
    unknown = sorted(set(sent) - known)
    if not unknown:
        return
    takes = ", ".join(sorted(known)) or "no query parameters"
    error = UnknownParameterError(
        f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
        f"{', '.join(repr(u) for u in unknown)}; this endpoint takes: {takes}"
    )
    error.extra = {"details": [{"loc": f"query.{name}", "msg": "unknown"} for name in unknown]}
    raise error


class CheckedRoute(APIRoute):
    """An API route that refuses query parameters it does not take (checked in its handler,
    not as a dependency: no extra step for the many requests without a query string)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = frozenset(_query_names(self.dependant))

        async def checked(request: Request) -> Response:
            if request.scope.get("query_string"):
                check_parameters(request.query_params, known)
            return await handler(request)

        return checked
