"""NHS number checking and the keyed pseudonym that replaces it at the ingest boundary.

The person key is the lowercase hex HMAC-SHA256 of the ten digits (spaces removed) under a
secret key: stable for a person under one key, unlinkable without it. Hex keeps it readable
in logs and Kafka keys, and 64 hex characters can never be mistaken for an NHS number.
Error messages never repeat the number they refuse.
"""

from __future__ import annotations

import hashlib

from services.contract.errors import InvalidEvent
from services.contract.nhs_numbers import is_nhs_number_digits
from services.contract.reasons import Reason

MIN_KEY_BYTES = 16


def normalise_nhs_number(value: str) -> str | None:
    """The ten digits of a valid NHS number (ASCII spaces allowed on input), else None."""
    if not isinstance(value, str):
        return None
    digits = value.replace(" ", "")
    return digits if is_nhs_number_digits(digits) else None


def is_valid_nhs_number(value: str) -> bool:
    """True if the value is ten digits (spaces allowed) with a correct modulus 11 check digit."""
    return normalise_nhs_number(value) is not None


class Pseudonymiser:
    """Turns NHS numbers into person keys with a secret HMAC key."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
            raise ValueError(f"pseudonymisation key must be at least {MIN_KEY_BYTES} bytes")
        # HMAC (RFC 2104) with its two keyed hash states made once, copied for every number:
        # a third of the time of `hmac.new`, and no call that lets go of the GIL (the one-shot
        # `hmac.digest` does, and under load each call then waits to get it back).
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<hidden>)"

    def person_key(self, nhs_number: str) -> str:
        """64-char lowercase hex HMAC-SHA256 of the number; InvalidEvent if it is not valid."""
        digits = normalise_nhs_number(nhs_number)
        if digits is None:
            raise InvalidEvent(
                Reason.INVALID_NHS_NUMBER,
                "nhs_number is not a valid NHS number (10 digits with a modulus 11 check digit)",
                "nhs_number",
            )
        inner = self._inner.copy()
        inner.update(digits.encode("ascii"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()
