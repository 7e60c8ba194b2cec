"""Errors of the ingest service: a request refused as a whole."""

from __future__ import annotations


class IngestError(Exception):
    """Base class for ingest failures."""


class BodyRejected(IngestError):
    """The request body as a whole cannot be taken (wrong type, malformed, empty, too big)."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
