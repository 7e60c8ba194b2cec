"""The published schemas: what partners read in schemas/ is what the package runs."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from fastavro import parse_schema

from services.contract.events import Sex, SiteType, VaccinationEvent
from services.contract.schema_files import (
    CURRENT_EVENT_VERSION,
    EVENT_SCHEMA_VERSIONS,
    dead_letter_schema,
    event_schema,
    schema_names,
    schema_text,
)
from services.contract.single_object import schema_fingerprint

ROOT_SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"


def test_package_ships_exactly_the_published_schemas() -> None:
    published = sorted(p.name for p in ROOT_SCHEMAS.glob("*.avsc"))
    assert published == schema_names()
    for name in published:
        assert (ROOT_SCHEMAS / name).read_text("utf-8") == schema_text(name), name


def test_every_field_is_documented() -> None:
    for schema in [*(event_schema(v) for v in EVENT_SCHEMA_VERSIONS), dead_letter_schema()]:
        assert schema["doc"]
        for f in schema["fields"]:
            assert f.get("doc"), f"{schema['name']}.{f['name']} has no doc"
        parse_schema(schema)


def test_current_schema_mirrors_the_event_dataclass() -> None:
    names = [f["name"] for f in event_schema(CURRENT_EVENT_VERSION)["fields"]]
    assert names == [f.name for f in fields(VaccinationEvent)]


def test_v2_adds_one_optional_field_with_a_default() -> None:
    v1, v2 = event_schema(1), event_schema(2)
    assert v2["fields"][: len(v1["fields"])] == v1["fields"]
    (added,) = v2["fields"][len(v1["fields"]) :]
    assert added["type"] == ["null", "string"]
    assert added["default"] is None
    assert schema_fingerprint(v1) != schema_fingerprint(v2)


def test_string_vocabularies_are_spelled_out_in_the_docs() -> None:
    docs = {f["name"]: f["doc"] for f in event_schema()["fields"]}
    assert all(s.value in docs["sex"] for s in Sex)
    assert all(s.value in docs["site_type"] for s in SiteType)


def test_fingerprint_is_the_avro_rabin_fingerprint() -> None:
    # Test vector from the Avro specification's schema fingerprint tests.
    assert int.from_bytes(schema_fingerprint("null"), "little") == 7195948357588979594
