"""Errors of the ingest service: a request refused as a whole, with its HTTP status."""

from __future__ import annotations


class IngestError(Exception):
    """Base class for ingest failures."""


class RequestRefused(IngestError):
    """A request refused before any event in it is looked at (credentials, body, type)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.headers = headers or {}


class BodyRejected(RequestRefused):
    """The request body as a whole cannot be taken (wrong type, malformed, empty, too big)."""


class ClientGone(IngestError):
    """The client closed the connection before its request body arrived; nothing was taken."""
