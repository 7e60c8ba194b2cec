"""FHIR R4 `Immunization` resources (UK Core shape) mapped to the event contract's JSON form.

A body is one `Immunization` or a `Bundle` whose `entry[].resource` are Immunizations. Exactly
these elements are read; anything else is ignored:

Immunization
- `identifier[0].value` -> event id (else the resource `id`)
- `status`: `completed` -> ADMINISTERED; `entered-in-error` -> ENTERED_IN_ERROR with event id
  `<id>/entered-in-error` superseding `<id>`; anything else is refused (`unknown_kind`)
- `meta.versionId` above 1 on a completed resource -> CORRECTED with event id
  `<id>/_history/<versionId>` superseding `<id>` (the first version's event)
- `patient.identifier` with system `https://fhir.nhs.uk/Id/nhs-number` -> NHS number
  (else the contained Patient's identifier)
- `occurrenceDateTime` -> vaccination date (a date-time is taken as its Europe/London date)
- `recorded` -> recorded time (else `occurrenceDateTime` when it has a time and offset)
- `protocolApplied[0].doseNumberPositiveInt` -> dose number
- `vaccineCode.coding[]` with system `http://snomed.info/sct` -> `code` and `display`
  (else `vaccineCode.text`) as vaccine code and name
- `performer[].actor.identifier` or `location.identifier` with system
  `https://fhir.nhs.uk/Id/ods-organization-code` -> vaccination site ODS code
- extensions with url `EXTENSION_BASE + name`: `ltla-code`, `msoa-code` (valueCode or
  valueString); `age-at-vaccination`, `jcvi-priority-group`, `imd-decile` (valueInteger);
  `clinically-extremely-vulnerable`, `health-social-care-worker`, `care-home-resident`
  (valueBoolean, absent = false); `site-type` (valueCode, a contract site type, absent = OTHER)

Contained `Patient` (the one `patient.reference` points at as `#id`, or the only one)
- `gender` male/female/other/unknown -> MALE/FEMALE/INDETERMINATE/NOT_KNOWN (absent = NOT_KNOWN)
- `birthDate` -> age in whole years on the vaccination date (unless `age-at-vaccination`)
- extension `https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory`,
  `valueCodeableConcept.coding[0].code` -> NHS ethnic category (absent = `99`, not known)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.contract.errors import InvalidEvent
from services.contract.events import EventKind
from services.contract.reasons import Reason
from services.contract.redaction import NHS_NUMBER_SYSTEM
from services.ingest.batch_parsing import ParsedItem, check_count, load_json
from services.ingest.errors import BodyRejected
from services.ingest.uk_time import london_date

EXTENSION_BASE = "https://fhir.vaxshare.example/StructureDefinition/"
ETHNIC_CATEGORY_URL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
SNOMED_SYSTEM = "http://snomed.info/sct"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
FHIR_TYPES = frozenset({"application/fhir+json", "application/json"})

_GENDERS = {"male": "MALE", "female": "FEMALE", "other": "INDETERMINATE", "unknown": "NOT_KNOWN"}
_STRING_EXTENSIONS = {"ltla-code": "ltla_code", "msoa-code": "msoa_code"}
_INT_EXTENSIONS = {"jcvi-priority-group": "jcvi_group", "imd-decile": "imd_decile"}
_BOOL_EXTENSIONS = {
    "clinically-extremely-vulnerable": "clinically_extremely_vulnerable",
    "health-social-care-worker": "health_social_care_worker",
    "care-home-resident": "care_home_resident",
}
_READ_EXTENSIONS = frozenset(
    {*_STRING_EXTENSIONS, *_INT_EXTENSIONS, *_BOOL_EXTENSIONS, "age-at-vaccination", "site-type"}
)


@dataclass(frozen=True, slots=True)
class FhirDocument:
    """The items of a posted document; `bundle_type` is None for a single Immunization."""

    items: list[ParsedItem]
    bundle_type: str | None = None


def parse_fhir(body: bytes, *, max_events: int) -> FhirDocument:
    """Items of an Immunization or a Bundle of them; BodyRejected for any other document."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise BodyRejected("malformed_body", "the body must be a FHIR resource (a JSON object)")
    resource_type = document.get("resourceType")
    bundle_type = None
    if resource_type == "Immunization":
        resources: list[Any] = [document]
    elif resource_type == "Bundle":
        given = document.get("type")
        bundle_type = given if given in ("batch", "transaction") else "batch"
        entries = document.get("entry") or []
        if not isinstance(entries, list):
            raise BodyRejected("malformed_body", "Bundle.entry must be an array")
        resources = [e.get("resource") if isinstance(e, dict) else None for e in entries]
    else:
        raise BodyRejected(
            "unsupported_resource", "the body must be an Immunization or a Bundle of them"
        )
    check_count(len(resources), max_events=max_events)
    return FhirDocument([_item(resource) for resource in resources], bundle_type)


def _item(resource: object) -> ParsedItem:
    try:
        return ParsedItem(immunization_to_event_json(resource), source=resource)
    except InvalidEvent as error:
        return ParsedItem(None, error, source=resource)


def immunization_to_event_json(resource: object) -> dict[str, Any]:
    """The contract JSON object of one Immunization; InvalidEvent naming the FHIR element."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Immunization":
        raise InvalidEvent(Reason.WRONG_TYPE, "the entry is not an Immunization resource")
    patient = _contained_patient(resource)
    extensions = _extensions(resource.get("extension"), "Immunization.extension")
    vaccination_date = _vaccination_date(resource.get("occurrenceDateTime"))
    snomed, name = _vaccine(resource.get("vaccineCode"))
    event: dict[str, Any] = {
        **_identity(resource),
        "nhs_number": _nhs_number(resource, patient),
        "vaccination_date": vaccination_date.isoformat(),
        "recorded_at": _recorded(resource),
        "dose_number": _dose_number(resource.get("protocolApplied")),
        "vaccine_snomed_code": snomed,
        "vaccine_name": name,
        "sex": _GENDERS.get(str(patient.get("gender", "unknown")), patient.get("gender")),
        "ethnic_category": _ethnic_category(patient),
        "age_years": extensions.get("age-at-vaccination")
        if "age-at-vaccination" in extensions
        else _age(patient.get("birthDate"), vaccination_date),
        "site_type": extensions.get("site-type", "OTHER"),
        "vaccination_site_ods_code": _ods_code(resource),
    }
    for url, field in (*_STRING_EXTENSIONS.items(), *_INT_EXTENSIONS.items()):
        event[field] = extensions.get(url)
    for url, field in _BOOL_EXTENSIONS.items():
        event[field] = extensions.get(url, False)
    return event


def resource_version(resource: dict[str, Any]) -> tuple[object, str | None]:
    """The logical id (`identifier[0].value`, else `id`) and the version above 1, if any."""
    identifiers = resource.get("identifier")
    first = identifiers[0] if isinstance(identifiers, list) and identifiers else {}
    base = first.get("value") if isinstance(first, dict) else None
    base = base if base is not None else resource.get("id")
    meta = resource.get("meta")
    version = meta.get("versionId") if isinstance(meta, dict) else None
    if version is None or str(version) == "1" or resource.get("status") != "completed":
        return base, None
    return base, str(version)


def _identity(resource: dict[str, Any]) -> dict[str, Any]:
    base, version = resource_version(resource)
    if not isinstance(base, str) or not base:
        raise InvalidEvent(
            Reason.EMPTY_EVENT_ID,
            "Immunization.identifier[0].value (or id) is required",
            "event_id",
        )
    status = resource.get("status")
    if status == "entered-in-error":
        return {
            "event_id": f"{base}/entered-in-error",
            "kind": EventKind.ENTERED_IN_ERROR.value,
            "supersedes_event_id": base,
        }
    if status != "completed":
        raise InvalidEvent(
            Reason.UNKNOWN_KIND,
            "Immunization.status must be completed or entered-in-error",
            "kind",
        )
    if version is None:
        return {"event_id": base, "kind": EventKind.ADMINISTERED.value}
    return {
        "event_id": f"{base}/_history/{version}",
        "kind": EventKind.CORRECTED.value,
        "supersedes_event_id": base,
    }


def _contained_patient(resource: dict[str, Any]) -> dict[str, Any]:
    contained = resource.get("contained")
    patients = [
        r for r in (contained if isinstance(contained, list) else [])
        if isinstance(r, dict) and r.get("resourceType") == "Patient"
    ]  # fmt: skip
    reference = resource.get("patient")
    ref = reference.get("reference") if isinstance(reference, dict) else None
    if isinstance(ref, str) and ref.startswith("#"):
        for patient in patients:
            if patient.get("id") == ref[1:]:
                return patient
    return patients[0] if len(patients) == 1 else {}


def _system_value(identifiers: object, system: str) -> object:
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    if not isinstance(identifiers, list):
        return None
    for identifier in identifiers:
        if isinstance(identifier, dict) and identifier.get("system") == system:
            return identifier.get("value")
    return None


def _nhs_number(resource: dict[str, Any], patient: dict[str, Any]) -> object:
    reference = resource.get("patient")
    number = None
    if isinstance(reference, dict):
        number = _system_value(reference.get("identifier"), NHS_NUMBER_SYSTEM)
    if number is None:
        number = _system_value(patient.get("identifier"), NHS_NUMBER_SYSTEM)
    if number is None:
        raise InvalidEvent(
            Reason.MISSING_FIELD,
            f"Immunization.patient.identifier with system {NHS_NUMBER_SYSTEM} is required",
            "nhs_number",
        )
    return number


def _vaccination_date(value: object) -> date:
    if not isinstance(value, str) or len(value) < 10:
        raise InvalidEvent(
            Reason.MISSING_FIELD, "Immunization.occurrenceDateTime is required", "vaccination_date"
        )
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        # OverflowError: an instant whose London date falls outside years 1-9999.
        return london_date(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        raise InvalidEvent(
            Reason.BAD_FORMAT,
            "Immunization.occurrenceDateTime must be a FHIR date or dateTime",
            "vaccination_date",
        ) from None


def _recorded(resource: dict[str, Any]) -> object:
    recorded = resource.get("recorded")
    if recorded is not None:
        return recorded
    occurrence = resource.get("occurrenceDateTime")
    if isinstance(occurrence, str) and len(occurrence) > 10:
        return occurrence
    raise InvalidEvent(Reason.MISSING_FIELD, "Immunization.recorded is required", "recorded_at")


def _dose_number(protocols: object) -> object:
    first = protocols[0] if isinstance(protocols, list) and protocols else None
    dose = first.get("doseNumberPositiveInt") if isinstance(first, dict) else None
    if dose is None:
        raise InvalidEvent(
            Reason.MISSING_FIELD,
            "Immunization.protocolApplied[0].doseNumberPositiveInt is required",
            "dose_number",
        )
    return dose


def _vaccine(concept: object) -> tuple[object, object]:
    concept = concept if isinstance(concept, dict) else {}
    codings = concept.get("coding")
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and coding.get("system") == SNOMED_SYSTEM:
            return coding.get("code"), coding.get("display") or concept.get("text")
    raise InvalidEvent(
        Reason.MISSING_FIELD,
        f"Immunization.vaccineCode needs a coding with system {SNOMED_SYSTEM}",
        "vaccine_snomed_code",
    )


def _ods_code(resource: dict[str, Any]) -> object:
    performers = resource.get("performer")
    for performer in performers if isinstance(performers, list) else []:
        actor = performer.get("actor") if isinstance(performer, dict) else None
        if isinstance(actor, dict):
            code = _system_value(actor.get("identifier"), ODS_SYSTEM)
            if code is not None:
                return code
    location = resource.get("location")
    if isinstance(location, dict):
        return _system_value(location.get("identifier"), ODS_SYSTEM)
    return None


def _extensions(extensions: object, where: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for extension in extensions if isinstance(extensions, list) else []:
        url = extension.get("url") if isinstance(extension, dict) else None
        if not isinstance(url, str) or not url.startswith(EXTENSION_BASE):
            continue
        name = url.removeprefix(EXTENSION_BASE)
        if name not in _READ_EXTENSIONS:
            continue  # ignored like any other element, so a message never repeats its url
        values = [v for k, v in extension.items() if k.startswith("value")]
        if len(values) != 1:
            raise InvalidEvent(Reason.BAD_FORMAT, f"{where} {url} needs exactly one value[x]")
        found[name] = values[0]
    return found


def _ethnic_category(patient: dict[str, Any]) -> object:
    extensions = patient.get("extension")
    for extension in extensions if isinstance(extensions, list) else []:
        if isinstance(extension, dict) and extension.get("url") == ETHNIC_CATEGORY_URL:
            concept = extension.get("valueCodeableConcept")
            codings = concept.get("coding") if isinstance(concept, dict) else None
            if isinstance(codings, list) and codings and isinstance(codings[0], dict):
                return codings[0].get("code")
    return "99"


def _age(birth_date: object, on: date) -> int | None:
    if birth_date is None:
        return None
    if not isinstance(birth_date, str) or len(birth_date) != 10:
        raise InvalidEvent(Reason.BAD_FORMAT, "Patient.birthDate must be YYYY-MM-DD", "age_years")
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        raise InvalidEvent(
            Reason.BAD_FORMAT, "Patient.birthDate must be YYYY-MM-DD", "age_years"
        ) from None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
