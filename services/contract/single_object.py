"""Avro single-object encoding: 0xC3 0x01, the CRC-64-AVRO fingerprint, then the body."""

from __future__ import annotations

from typing import Any

from fastavro.schema import fingerprint as _fingerprint
from fastavro.schema import to_parsing_canonical_form

MAGIC = b"\xc3\x01"
HEADER_LENGTH = len(MAGIC) + 8


def schema_fingerprint(schema: dict[str, Any] | str) -> bytes:
    """8-byte little-endian CRC-64-AVRO (Rabin) fingerprint of the schema's canonical form."""
    # fastavro returns the digest as hex of the little-endian bytes, as the spec frames it.
    return bytes.fromhex(_fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))


def header(fingerprint: bytes) -> bytes:
    """The single-object header for a schema fingerprint."""
    return MAGIC + fingerprint
