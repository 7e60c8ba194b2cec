"""Errors of the event contract; each carries a stable `Reason` code."""

from __future__ import annotations

from services.contract.reasons import Reason


class ContractError(Exception):
    """An event or record the contract refuses, with its reason code and the field at fault."""

    def __init__(self, reason: Reason, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason.value!r}, {self.message!r}, {self.field!r})"


class InvalidEvent(ContractError):
    """The event is well-formed bytes or JSON but breaks a rule of the contract."""


class CodecError(ContractError):
    """The bytes cannot be decoded into an event (framing, schema or body)."""
