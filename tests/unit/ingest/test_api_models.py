"""The documented JSON event has exactly the fields the contract's JSON codec reads."""

from __future__ import annotations

from services.contract.json_codec import KNOWN_FIELDS
from services.ingest.api_models import EventJson


def test_the_openapi_event_schema_matches_the_json_codec() -> None:
    assert set(EventJson.model_fields) == KNOWN_FIELDS
