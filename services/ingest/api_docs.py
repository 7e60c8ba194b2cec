"""The words and request-body schemas of the ingest's OpenAPI document."""

from __future__ import annotations

from typing import Any

from services.ingest.api_models import BatchResponse, ErrorResponse, EventJson
from services.ingest.batch_parsing import AVRO_TYPES, JSON_LINES_TYPES

DESCRIPTION = """\
NHS systems publish COVID-19 vaccination events here. Every request carries a publisher API
key as `Authorization: Bearer <key>`; the key's name is recorded as each event's source system.

**Answers.** Every event gets its own answer, in the batch's order: `accepted` (with its event
id) or `rejected` (with a reason code, a message and the field at fault). The HTTP status sums
them up:

- `200` every event was accepted;
- `207 Multi-Status` some were accepted and some rejected;
- `422` none was accepted (every event was rejected).

An event is reported accepted only once Kafka has acknowledged it. Every rejected event is
kept in the dead-letter topic with its reason (its NHS number removed). Resending an event id
that was already accepted is harmless: it is accepted again and counted once.

**Errors** of a whole request have the body `{"error": {"code": ..., "message": ...}}`:
`400` malformed body or empty batch, `401` missing or wrong key, `403` a key that is not a
publisher's, `408` the body did not arrive in time, `413` body or batch too large, `415`
unsupported Content-Type, `503` Kafka (or the key store) unavailable, with `Retry-After` —
nothing in that request was accepted; resend it.
"""

EVENTS = f"""\
A batch of events as a JSON array (`application/json`), JSON Lines
({", ".join(f"`{t}`" for t in sorted(JSON_LINES_TYPES))}) or an Avro object container file
written with the published event schema ({", ".join(f"`{t}`" for t in sorted(AVRO_TYPES))}).
Each JSON event gives the person as a raw `nhs_number` (pseudonymised here, never stored) or as
an already pseudonymised `person_key`.
"""

FHIR = """\
A FHIR R4 `Immunization` resource (UK Core shape) or a `Bundle` whose entries are
Immunizations, as `application/fhir+json`. Each Immunization is one event; the elements read
are listed in the publishing guide (docs/publishing.md).

Answers are FHIR (`application/fhir+json`): one Immunization accepted is `201 Created` with a
`Location`; refused, `422` with an `OperationOutcome` whose issue gives the reason code
(`details.coding`), the message (`diagnostics`) and the FHIR element (`expression`). A `batch`
Bundle (or one without a type) gets `200` and a `batch-response` Bundle with one outcome per
entry; a `transaction` Bundle is all or nothing: `200` and a `transaction-response` Bundle, or
`422` and an `OperationOutcome` naming each refused entry, with nothing stored. A request
refused as a whole gets an `OperationOutcome` with its error code.
"""

_FHIR_RESOURCE = {
    "application/fhir+json": {
        "schema": {
            "type": "object",
            "required": ["resourceType"],
            "properties": {"resourceType": {"enum": ["Bundle", "OperationOutcome"]}},
        }
    }
}


def _fhir(description: str) -> dict[str, Any]:
    return {"description": description, "content": _FHIR_RESOURCE}


FHIR_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _fhir("A batch-response or transaction-response Bundle: one outcome per entry"),
    201: _fhir("The Immunization was accepted (see Location)"),
    400: _fhir("Malformed body, empty Bundle or not an Immunization"),
    401: _fhir("Missing, unknown or revoked API key"),
    403: _fhir("The key is not a publisher's"),
    408: _fhir("The body did not arrive in time"),
    413: _fhir("Body or Bundle too large"),
    415: _fhir("Unsupported Content-Type"),
    422: _fhir("The Immunization (or an entry of a transaction) was refused"),
    503: _fhir("Kafka unavailable; see Retry-After"),
}

BATCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Every event was accepted"},
    207: {"model": BatchResponse, "description": "Some events were accepted, some rejected"},
    400: {"model": ErrorResponse, "description": "Malformed body or empty batch"},
    401: {"model": ErrorResponse, "description": "Missing, unknown or revoked API key"},
    403: {"model": ErrorResponse, "description": "The key is not a publisher's"},
    408: {"model": ErrorResponse, "description": "The body did not arrive in time"},
    413: {"model": ErrorResponse, "description": "Body or batch too large"},
    415: {"model": ErrorResponse, "description": "Unsupported Content-Type"},
    422: {"model": BatchResponse, "description": "Every event was rejected"},
    503: {"model": ErrorResponse, "description": "Kafka unavailable; see Retry-After"},
}


def events_request_body() -> dict[str, Any]:
    """The OpenAPI requestBody of POST /v1/events."""
    event = EventJson.model_json_schema()
    binary = {"schema": {"type": "string", "format": "binary"}}
    content: dict[str, Any] = {"application/json": {"schema": {"type": "array", "items": event}}}
    content.update(
        {
            t: {"schema": {"type": "string", "description": "One event a line"}}
            for t in sorted(JSON_LINES_TYPES)
        }
    )
    content.update(dict.fromkeys(sorted(AVRO_TYPES), binary))
    return {"requestBody": {"required": True, "content": content}}


def fhir_request_body() -> dict[str, Any]:
    """The OpenAPI requestBody of POST /fhir/Immunization."""
    schema = {
        "type": "object",
        "description": "A FHIR R4 Immunization, or a Bundle of them",
        "required": ["resourceType"],
        "properties": {"resourceType": {"enum": ["Immunization", "Bundle"]}},
    }
    return {
        "requestBody": {"required": True, "content": {"application/fhir+json": {"schema": schema}}}
    }
