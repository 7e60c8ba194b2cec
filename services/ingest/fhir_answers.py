"""FHIR answers of `POST /fhir/Immunization`: OperationOutcomes, 201 + Location, response Bundles.

- One Immunization accepted: `201 Created`, `Location: [base]/fhir/Immunization/<id>` (with
  `/_history/<versionId>` for a correction) and an informational OperationOutcome.
- One Immunization refused: `422` and an OperationOutcome whose issue carries the reason code
  (`details.coding`, system `REASON_SYSTEM`), what is wrong (`diagnostics`) and where
  (`expression`: the FHIR element, e.g. `Immunization.vaccineCode.coding.code`).
- A `batch` Bundle (or one without a type): `200` and a `batch-response` Bundle, one entry per
  entry in order, each with `response.status` and a `location` or an `outcome` as above.
- A `transaction` Bundle is all or nothing: every entry valid gives `200` and a
  `transaction-response` Bundle (each entry `201 Created`); any refused gives `422` and one
  OperationOutcome with an issue per refused entry (`Bundle.entry[i].resource....`), and
  nothing is stored but those entries' dead letters.
- A request refused as a whole (credentials, body, media type, Kafka): its HTTP status and an
  OperationOutcome with the error code in `details` (system `ERROR_SYSTEM`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote

from services.ingest.fhir import ETHNIC_CATEGORY_URL, EXTENSION_BASE, resource_version
from services.ingest.ingestion import ItemResult

FHIR_JSON: Final = "application/fhir+json"
REASON_SYSTEM: Final = "https://fhir.vaxshare.example/CodeSystem/reason"
ERROR_SYSTEM: Final = "https://fhir.vaxshare.example/CodeSystem/error"

_PATIENT = "contained.where(resourceType='Patient')"


def _extension(name: str) -> str:
    return f"extension.where(url='{EXTENSION_BASE}{name}')"


# Where each event field comes from, relative to the Immunization.
ELEMENTS: Final[dict[str, tuple[str, ...]]] = {
    "event_id": ("identifier[0].value",),
    "supersedes_event_id": ("identifier[0].value",),
    "kind": ("status",),
    "nhs_number": ("patient.identifier",),
    "person_key": ("patient.identifier",),
    "vaccination_date": ("occurrenceDateTime",),
    "recorded_at": ("recorded",),
    "dose_number": ("protocolApplied[0].doseNumberPositiveInt",),
    "vaccine_snomed_code": ("vaccineCode.coding.code",),
    "vaccine_name": ("vaccineCode.coding.display",),
    "ltla_code": (_extension("ltla-code"),),
    "msoa_code": (_extension("msoa-code"),),
    "age_years": (_extension("age-at-vaccination"), f"{_PATIENT}.birthDate"),
    "sex": (f"{_PATIENT}.gender",),
    "ethnic_category": (f"{_PATIENT}.extension.where(url='{ETHNIC_CATEGORY_URL}')",),
    "jcvi_group": (_extension("jcvi-priority-group"),),
    "imd_decile": (_extension("imd-decile"),),
    "clinically_extremely_vulnerable": (_extension("clinically-extremely-vulnerable"),),
    "health_social_care_worker": (_extension("health-social-care-worker"),),
    "care_home_resident": (_extension("care-home-resident"),),
    "site_type": (_extension("site-type"),),
    "vaccination_site_ods_code": ("performer.actor.identifier", "location.identifier"),
}
_ISSUE_CODES: Final = {
    "missing_field": "required",
    "unknown_field": "structure",
    "wrong_type": "structure",
    "undecodable": "structure",
    "conflicting_duplicate": "duplicate",
    **dict.fromkeys(
        (
            "unknown_kind",
            "unknown_sex",
            "unknown_site_type",
            "unknown_ethnic_code",
            "invalid_snomed_code",
            "invalid_ods_code",
            "unknown_area",
            "unknown_msoa",
        ),
        "code-invalid",
    ),
    **dict.fromkeys(
        (
            "missing_supersedes",
            "unexpected_supersedes",
            "supersedes_self",
            "msoa_not_in_area",
            "date_before_programme",
            "date_in_future",
            "recorded_before_vaccinated",
            "recorded_in_future",
        ),
        "business-rule",
    ),
}
_REQUEST_ISSUES: Final = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    408: "timeout",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    503: "transient",
}
_STATUS_TEXT: Final = {201: "201 Created", 422: "422 Unprocessable Entity"}


def outcome(*issues: dict[str, Any]) -> dict[str, Any]:
    """An OperationOutcome resource with these issues."""
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


def request_refused(status: int, code: str, message: str) -> dict[str, Any]:
    """The OperationOutcome of a request refused as a whole."""
    return outcome(
        {
            "severity": "error",
            "code": _REQUEST_ISSUES.get(status, "exception"),
            "details": {"coding": [{"system": ERROR_SYSTEM, "code": code}], "text": message},
            "diagnostics": message,
        }
    )


def location(resource: object) -> str:
    """`Immunization/<id>` of a stored resource, with `/_history/<versionId>` for a correction."""
    base, version = resource_version(resource if isinstance(resource, dict) else {})
    path = f"Immunization/{quote(str(base), safe='')}"
    return f"{path}/_history/{quote(version, safe='')}" if version else path


def answer(
    results: Sequence[ItemResult], resources: Sequence[object], bundle_type: str | None
) -> tuple[int, dict[str, Any], str | None]:
    """(HTTP status, body, Location of a single created resource) for the results."""
    if bundle_type is None:
        (result,) = results
        if result.status == "accepted":
            created = outcome(_created_issue(result))
            return 201, created, location(resources[0])
        return 422, outcome(_refusal_issue(result, "Immunization")), None
    if bundle_type == "transaction" and any(r.status != "accepted" for r in results):
        issues = [
            _refusal_issue(r, f"Bundle.entry[{r.index}].resource")
            for r in results
            if r.status != "accepted" and r.reason is not None
        ]
        return 422, outcome(*issues), None
    entries = [_entry(r, resource) for r, resource in zip(results, resources, strict=True)]
    return (
        200,
        {"resourceType": "Bundle", "type": f"{bundle_type}-response", "entry": entries},
        None,
    )


def _entry(result: ItemResult, resource: object) -> dict[str, Any]:
    if result.status == "accepted":
        response = {
            "status": _STATUS_TEXT[201],
            "location": location(resource),
            "outcome": outcome(_created_issue(result)),
        }
    else:
        response = {
            "status": _STATUS_TEXT[422],
            "outcome": outcome(_refusal_issue(result, "Immunization")),
        }
    return {"response": response}


def _created_issue(result: ItemResult) -> dict[str, Any]:
    return {
        "severity": "information",
        "code": "informational",
        "diagnostics": f"accepted as event {result.event_id}",
    }


def _refusal_issue(result: ItemResult, root: str) -> dict[str, Any]:
    reason = result.reason or "not_stored"
    elements = ELEMENTS.get(result.field or "", ())
    return {
        "severity": "error",
        "code": _ISSUE_CODES.get(reason, "value"),
        "details": {
            "coding": [{"system": REASON_SYSTEM, "code": reason}],
            "text": result.message,
        },
        "diagnostics": result.message,
        "expression": [f"{root}.{element}" for element in elements] or [root],
    }
