"""UK Core Immunization resources map to the contract exactly as docs/publishing.md says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.contract.json_codec import event_from_json
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason
from services.contract.validation import validate
from services.ingest.errors import BodyRejected
from services.ingest.fhir import EXTENSION_BASE, immunization_to_event_json, parse_fhir
from tests.unit.contract.contract_examples import AREAS, PSEUDONYM_KEY, TODAY

NHS_NUMBER = "9434765919"


def immunization(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "meta": {"versionId": "1"},
        "identifier": [{"system": "https://supplier.example/Id/vacc", "value": "rx-77"}],
        "status": "completed",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "pat",
                "gender": "female",
                "birthDate": "1961-03-02",
                "extension": [
                    {
                        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
                        "valueCodeableConcept": {"coding": [{"code": "N"}]},
                    }
                ],
            }
        ],
        "patient": {
            "reference": "#pat",
            "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS_NUMBER},
        },
        "occurrenceDateTime": "2021-06-01T23:30:00+00:00",
        "recorded": "2021-06-01T23:45:00+00:00",
        "vaccineCode": {
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "39114911000001105",
                    "display": "COVID-19 Vaccine AstraZeneca",
                }
            ]
        },
        "protocolApplied": [{"doseNumberPositiveInt": 2}],
        "location": {
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                "value": "E85001",
            }
        },
        "extension": [
            {"url": EXTENSION_BASE + "ltla-code", "valueCode": "E09000013"},
            {"url": EXTENSION_BASE + "msoa-code", "valueCode": "E02000372"},
            {"url": EXTENSION_BASE + "imd-decile", "valueInteger": 3},
            {"url": EXTENSION_BASE + "care-home-resident", "valueBoolean": True},
            {"url": "https://someone.else/ext", "valueString": "ignored"},
        ],
    }
    resource.update(changes)
    return resource


def test_a_uk_core_immunization_maps_to_a_valid_contract_event() -> None:
    mapped = immunization_to_event_json(immunization())
    assert mapped == {
        "event_id": "rx-77",
        "kind": "ADMINISTERED",
        "nhs_number": NHS_NUMBER,
        "vaccination_date": "2021-06-02",  # 23:30 UTC is already 2 June in London (BST)
        "recorded_at": "2021-06-01T23:45:00+00:00",
        "dose_number": 2,
        "vaccine_snomed_code": "39114911000001105",
        "vaccine_name": "COVID-19 Vaccine AstraZeneca",
        "sex": "FEMALE",
        "ethnic_category": "N",
        "age_years": 60,
        "site_type": "OTHER",
        "vaccination_site_ods_code": "E85001",
        "ltla_code": "E09000013",
        "msoa_code": "E02000372",
        "jcvi_group": None,
        "imd_decile": 3,
        "clinically_extremely_vulnerable": False,
        "health_social_care_worker": False,
        "care_home_resident": True,
    }
    event = event_from_json(
        mapped | {"source_system": "FHIR test"}, pseudonymiser=Pseudonymiser(PSEUDONYM_KEY)
    )
    assert validate(event, areas=AREAS, today=TODAY).event_id == "rx-77"


def test_entered_in_error_and_new_versions_supersede_the_first_event() -> None:
    retracted = immunization_to_event_json(immunization(status="entered-in-error"))
    assert (retracted["event_id"], retracted["kind"], retracted["supersedes_event_id"]) == (
        "rx-77/entered-in-error",
        "ENTERED_IN_ERROR",
        "rx-77",
    )
    corrected = immunization_to_event_json(immunization(meta={"versionId": "3"}))
    assert (corrected["event_id"], corrected["kind"], corrected["supersedes_event_id"]) == (
        "rx-77/_history/3",
        "CORRECTED",
        "rx-77",
    )


def test_demographics_come_from_extensions_when_given_there() -> None:
    resource = immunization(
        contained=[],
        patient={
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS_NUMBER}]
        },
    )
    resource["extension"].append({"url": EXTENSION_BASE + "age-at-vaccination", "valueInteger": 44})
    resource["extension"].append({"url": EXTENSION_BASE + "site-type", "valueCode": "PHARMACY"})
    mapped = immunization_to_event_json(resource)
    assert (mapped["age_years"], mapped["sex"], mapped["ethnic_category"], mapped["site_type"]) == (
        44,
        "NOT_KNOWN",
        "99",
        "PHARMACY",
    )


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"status": "not-done"}, Reason.UNKNOWN_KIND, "kind"),
        ({"identifier": [], "id": None}, Reason.EMPTY_EVENT_ID, "event_id"),
        (
            {"patient": {"reference": "#nobody"}, "contained": []},
            Reason.MISSING_FIELD,
            "nhs_number",
        ),
        ({"occurrenceDateTime": None}, Reason.MISSING_FIELD, "vaccination_date"),
        ({"occurrenceDateTime": "2021-13-45T00:00:00Z"}, Reason.BAD_FORMAT, "vaccination_date"),
        ({"protocolApplied": []}, Reason.MISSING_FIELD, "dose_number"),
        ({"vaccineCode": {"text": "Pfizer"}}, Reason.MISSING_FIELD, "vaccine_snomed_code"),
        ({"resourceType": "Observation"}, Reason.WRONG_TYPE, None),
    ],
)
def test_resources_missing_what_the_contract_needs_are_refused_naming_the_element(
    changes: dict[str, Any], reason: Reason, field: str | None
) -> None:
    (item,) = parse_fhir(
        json.dumps(
            {"resourceType": "Bundle", "entry": [{"resource": immunization(**changes)}]}
        ).encode(),
        max_events=5,
    ).items
    assert item.error is not None
    assert (item.error.reason, item.error.field) == (reason, field)
    assert item.source is not None, "the resource is kept for the dead-letter topic"


def test_a_bundle_gives_one_item_per_entry_and_other_documents_are_refused() -> None:
    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {"resource": immunization()},
            {"resource": immunization(status="entered-in-error")},
            {"fullUrl": "x"},
        ],
    }
    document = parse_fhir(json.dumps(bundle).encode(), max_events=5)
    assert [i.error is None for i in document.items] == [True, True, False]
    assert document.bundle_type == "batch"  # a Bundle without a type is taken as a batch
    single = parse_fhir(json.dumps(immunization()).encode(), max_events=5)
    assert len(single.items) == 1 and single.bundle_type is None
    for document, code in [
        ({"resourceType": "Patient"}, "unsupported_resource"),
        ({"resourceType": "Bundle", "entry": []}, "empty_batch"),
        ([immunization()], "malformed_body"),
    ]:
        with pytest.raises(BodyRejected) as refused:
            parse_fhir(json.dumps(document).encode(), max_events=5)
        assert refused.value.code == code
