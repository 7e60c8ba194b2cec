"""Errors of the aggregator."""

from __future__ import annotations


class AggregateError(Exception):
    """Base class for aggregator failures."""


class FenceError(AggregateError):
    """Redis refused a batch: offsets, event states or the generation moved since it was read.

    The batch is discarded and the consumer resumes from Redis's offsets; nothing was written.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"batch fenced off ({kind}): {detail}")
        self.kind = kind
        self.detail = detail


class CorruptCountsError(AggregateError):
    """A batch would drive a stored count below zero: the stored state is not trustworthy."""


class GenerationError(AggregateError):
    """A generation of counts is missing, malformed or cannot be switched to."""


class StoreUnavailableError(AggregateError):
    """Redis could not be reached or answered with an error; the batch was not applied."""


class DeadLetterError(AggregateError):
    """Dead letters could not be written to the dead-letter topic; the batch was not applied."""
