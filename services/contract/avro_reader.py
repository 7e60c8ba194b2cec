"""A compiled Avro reader for one writer schema: Python source generated once, run per record.

fastavro's `schemaless_reader` interprets the schema for every record (about 16 µs for an
event); the reader compiled here is straight-line code for the one schema it was built for,
reading the body bytes in place and setting the slots of the object it builds, with no dict
in between. It is strict: it accepts only what fastavro reads the same way (booleans 0 or 1,
union branches and enum indexes the schema has, varints of at most 63 bits, a body with no
bytes left over), and raises `FastPathRefused` on anything else, so that the caller can read
the record with fastavro instead and give fastavro's answer or error. Schemas with types it
does not support get no compiled reader (None).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Setter = Callable[[Any, Any], None]

_PRIMITIVES = ("string", "int", "long", "boolean")


class FastPathRefused(Exception):
    """The compiled reader does not read this body; read it the general way."""


def _varint(data: bytes, pos: int, first: int) -> tuple[int, int]:
    """The unsigned varint whose first byte ``first`` was read just before ``pos``."""
    n, shift, b = first & 0x7F, 7, first
    while b & 0x80:
        if shift > 56:
            raise FastPathRefused("varint longer than 63 bits")
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
    return n, pos


def _read_long(var: str) -> list[str]:
    return [
        "b = data[pos]; pos += 1",
        "if b & 0x80: b, pos = varint(data, pos, b)",
        f"{var} = (b >> 1) ^ -(b & 1)",
    ]


def _read_string(var: str) -> list[str]:
    return [
        *_read_long("n"),
        "if n < 0 or pos + n > end: raise Refused('string past the end')",
        f"{var} = data[pos:pos + n].decode(); pos += n",
    ]


def _read_plain(kind: str, var: str) -> list[str] | None:
    if kind == "string":
        return _read_string(var)
    if kind in ("int", "long"):
        return _read_long(var)
    if kind == "boolean":
        return [
            "b = data[pos]; pos += 1",
            "if b > 1: raise Refused('boolean not 0 or 1')",
            f"{var} = b == 1",
        ]
    return None


def _read_field(schema: Any, var: str, names: dict[str, Any], index: int) -> list[str] | None:
    if isinstance(schema, str):
        return _read_plain(schema, var)
    if isinstance(schema, dict) and schema.get("type") == "enum":
        symbols = f"symbols{index}"
        names[symbols] = dict(enumerate(schema["symbols"]))
        return [
            *_read_long("i"),
            f"{var} = {symbols}.get(i)",
            f"if {var} is None: raise Refused('enum index out of range')",
        ]
    if isinstance(schema, dict) and schema.get("type") in _PRIMITIVES:
        return _read_plain(schema["type"], var)
    if isinstance(schema, list) and len(schema) == 2 and schema[0] == "null":
        branch = _read_field(schema[1], var, names, index)
        if branch is None or not isinstance(schema[1], str):
            return None
        return [
            "b = data[pos]; pos += 1",
            f"if b == 0: {var} = None",
            "elif b == 2:",
            *(f"    {line}" for line in branch),
            "else: raise Refused('union branch out of range')",
        ]
    return None


def compile_reader(
    fields: list[dict[str, Any]],
    *,
    make: Callable[[], Any],
    slots: Mapping[str, Setter],
    convert: Mapping[str, Callable[[Any], Any]],
    defaults: Mapping[str, Any],
) -> Callable[[bytes, int], Any] | None:
    """A reader of bodies written with ``fields`` (a record schema's fields), or None.

    The reader takes the record bytes and where the body starts; it returns ``make()`` with
    every slot set: a field read, passed through its ``convert`` function if it has one, or
    else its value from ``defaults`` (a field of the reader's type the writer lacks).
    """
    names: dict[str, Any] = {"varint": _varint, "Refused": FastPathRefused, "make": make}
    body = ["def read(data, pos):", "    end = len(data)"]
    read = set()
    for index, field in enumerate(fields):
        name, var = field["name"], f"v{index}"
        if name not in slots:
            return None
        lines = _read_field(field["type"], var, names, index)
        if lines is None:
            return None
        body += (f"    {line}" for line in lines)
        if name in convert:
            names[f"convert{index}"] = convert[name]
            body.append(f"    {var} = convert{index}({var})")
        read.add(name)
    if set(slots) - read - set(defaults):
        return None  # a slot nobody fills
    body += ["    if pos != end: raise Refused('bytes after the record')", "    made = make()"]
    for index, field in enumerate(fields):
        names[f"set{index}"] = slots[field["name"]]
        body.append(f"    set{index}(made, v{index})")
    for index, (name, value) in enumerate(defaults.items()):
        names[f"set_default{index}"], names[f"default{index}"] = slots[name], value
        body.append(f"    set_default{index}(made, default{index})")
    body.append("    return made")
    exec(compile("\n".join(body), "<compiled avro reader>", "exec"), names)
    reader: Callable[[bytes, int], Any] = names["read"]
    return reader
