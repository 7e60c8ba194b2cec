"""A compiled Avro writer for one schema: straight-line Python generated once, run per record.

The counterpart of `avro_reader`: fastavro's `schemaless_writer` interprets the schema and
wants a dict for every record; the writer compiled here reads the object's attributes and
writes the body bytes directly. It is strict: only values of exactly the types the schema
names (within the range of an Avro int or long, an enum's own symbols, aware datetimes) are
written; anything else raises `FastPathRefused`, so that the caller writes the record with
fastavro and gives fastavro's answer or error. Unsupported schemas get no writer (None).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from services.contract.avro_reader import FastPathRefused

_ONE_BYTE = tuple(bytes([n]) for n in range(128))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_RANGES = {"int": 1 << 31, "long": 1 << 63}


def _varint(n: int) -> bytes:
    """The unsigned varint of ``n`` (already zig-zag encoded)."""
    # Two and three bytes (a 64-character key's length, a date's day number) without a loop.
    if n < 0x4000:
        return bytes(((n & 0x7F) | 0x80, n >> 7))
    if n < 0x200000:
        return bytes(((n & 0x7F) | 0x80, ((n >> 7) & 0x7F) | 0x80, n >> 14))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def day_number(value: object) -> int:
    """Avro `date`: days since 1970-01-01 of a date (not a datetime)."""
    if type(value) is not date:
        raise FastPathRefused("not a date")
    return value.toordinal() - _EPOCH_ORDINAL


def epoch_millis(value: object) -> int:
    """Avro `timestamp-millis` of an aware datetime, as fastavro computes it."""
    if type(value) is not datetime or value.tzinfo is None:
        raise FastPathRefused("not an aware datetime")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _write_int(kind: str, var: str) -> list[str]:
    bound = _RANGES[kind]
    return [
        f"if type({var}) is not int or not -{bound} <= {var} < {bound}: "
        "raise Refused('not an Avro " + kind + "')",
        f"z = ({var} << 1) ^ ({var} >> 63)",
        "out.append(one[z] if z < 128 else varint(z))",
    ]


def _write_plain(kind: str, var: str) -> list[str] | None:
    if kind == "string":
        return [
            f"if not isinstance({var}, str): raise Refused('not a string')",
            f"b = {var}.encode()",
            "z = len(b) << 1",
            "out.append(one[z] if z < 128 else varint(z)); out.append(b)",
        ]
    if kind in _RANGES:
        return _write_int(kind, var)
    if kind == "boolean":
        return [
            f"if type({var}) is not bool: raise Refused('not a boolean')",
            f"out.append(one[1] if {var} else one[0])",
        ]
    return None


def _write_field(schema: Any, var: str, names: dict[str, Any], index: int) -> list[str] | None:
    if isinstance(schema, str):
        return _write_plain(schema, var)
    if isinstance(schema, dict) and schema.get("type") == "enum":
        indexes = f"indexes{index}"
        if len(schema["symbols"]) > 64:
            return None  # an index that needs more than one byte
        names[indexes] = {s: _ONE_BYTE[i << 1] for i, s in enumerate(schema["symbols"])}
        return [
            f"b = {indexes}.get({var}) if isinstance({var}, str) else None",
            "if b is None: raise Refused('not a symbol of the enum')",
            "out.append(b)",
        ]
    if isinstance(schema, dict) and schema.get("type") in ("string", "int", "long", "boolean"):
        return _write_plain(schema["type"], var)
    if isinstance(schema, list) and len(schema) == 2 and schema[0] == "null":
        if not isinstance(schema[1], str):
            return None
        branch = _write_plain(schema[1], var)
        if branch is None:
            return None
        return [
            f"if {var} is None: out.append(one[0])",
            "else:",
            "    out.append(one[2])",
            *(f"    {line}" for line in branch),
        ]
    return None


def compile_writer(
    fields: list[dict[str, Any]],
    *,
    header: bytes,
    convert: Mapping[str, Callable[[Any], Any]],
) -> Callable[[Any], bytes] | None:
    """A writer of ``header`` + the body of an object with attributes named as ``fields``
    (a record schema's fields, after ``convert`` of the values that have a function there),
    or None if the schema has a type it does not write."""
    names: dict[str, Any] = {
        "varint": _varint,
        "one": _ONE_BYTE,
        "Refused": FastPathRefused,
        "header": header,
    }
    body = ["def write(obj):", "    out = [header]"]
    for index, field in enumerate(fields):
        name, var = field["name"], f"v{index}"
        if not name.isidentifier():
            return None
        body.append(f"    {var} = obj.{name}")
        if name in convert:
            names[f"convert{index}"] = convert[name]
            body.append(f"    {var} = convert{index}({var})")
        lines = _write_field(field["type"], var, names, index)
        if lines is None:
            return None
        body += (f"    {line}" for line in lines)
    body.append("    return b''.join(out)")
    exec(compile("\n".join(body), "<compiled avro writer>", "exec"), names)
    writer: Callable[[Any], bytes] = names["write"]
    return writer
