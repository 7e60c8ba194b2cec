"""Errors of the council API, each carrying the HTTP status and machine-readable code it maps to.

Every error answers as `{"error": {"code": ..., "message": ...}}`; the message says what was
wrong and what to do instead.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base class: an answer other than success, with status, code and a clear message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.extra: dict[str, object] = {}


class BadRequestError(ApiError):
    """The query cannot be answered as asked."""


class UnsupportedPopulationError(BadRequestError):
    """The uptake cannot be given over these ages from this source for this breakdown."""

    code = "unsupported_population"


class RowLimitError(ApiError):
    """The answer would exceed the documented maximum number of rows."""

    code = "row_limit_exceeded"


class UnauthenticatedError(ApiError):
    """No key, or a key that is malformed, unknown or revoked."""

    status = 401
    code = "unauthenticated"


class ForbiddenError(ApiError):
    """The key is valid but may not read this."""

    status = 403
    code = "forbidden"


class NotFoundError(ApiError):
    """No such area, release or published table."""

    status = 404
    code = "not_found"


class AreaSupersededError(NotFoundError):
    """A pre-2021 LTLA code: its residents are counted, and published, under its successor."""

    code = "area_superseded"

    def __init__(self, code: str, successor: str, successor_name: str) -> None:
        super().__init__(
            f"{code} is a pre-2021 LTLA code; in the April 2021 geography used here its "
            f"residents are counted under {successor} ({successor_name}): ask for {successor}"
        )
        self.extra = {"successor": successor}


class ConflictError(ApiError):
    """The release is not in a state that allows this change."""

    status = 409
    code = "conflict"


class RateLimitedError(ApiError):
    """Too many requests in the current window; retry after the header's seconds."""

    status = 429
    code = "rate_limited"
