"""Publishers post mixed batches over HTTP; exactly the valid events reach the events topic."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

import httpx
import pytest

from services.contract.codec import decode
from services.contract.container import write_container
from services.contract.dead_letter import Stage, decode_dead_letter
from services.contract.events import EventKind
from services.contract.json_codec import event_from_json
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason
from services.ingest.fhir import EXTENSION_BASE
from services.platform.dead_letters import DeadLetterPublisher
from services.platform.json_logging import JsonFormatter
from tests.conftest import Stack, Topics
from tests.integration.ingest_harness import (
    HAMMERSMITH,
    NHS_NUMBERS,
    PSEUDONYM_KEY,
    PUBLISHER,
    Ingest,
    error_of,
    event_json,
    fhir_results,
    read_topic,
    serve,
)

PSEUDONYMISER = Pseudonymiser(PSEUDONYM_KEY.encode())

# One JSON event per reason a JSON event can be refused for, each breaking one rule.
BREAKERS: dict[Reason, dict[str, Any]] = {
    Reason.MISSING_FIELD: {"dose_number": None},
    Reason.UNKNOWN_FIELD: {"dose_numbr": 1},
    Reason.WRONG_TYPE: {"age_years": "54"},
    Reason.BAD_FORMAT: {"vaccination_date": "01/03/2021"},
    Reason.INVALID_NHS_NUMBER: {"nhs_number": "9434765918"},
    Reason.EMPTY_EVENT_ID: {"event_id": ""},
    Reason.EVENT_ID_TOO_LONG: {"event_id": "x" * 129},
    Reason.INVALID_PERSON_KEY: {"nhs_number": None, "person_key": "not-a-key"},
    Reason.MISSING_SUPERSEDES: {"kind": "CORRECTED"},
    Reason.UNEXPECTED_SUPERSEDES: {"supersedes_event_id": "bad-0"},
    Reason.SUPERSEDES_SELF: {"kind": "ENTERED_IN_ERROR", "supersedes_event_id": "SELF"},
    Reason.UNKNOWN_KIND: {"kind": "GIVEN"},
    Reason.UNKNOWN_SEX: {"sex": "F"},
    Reason.UNKNOWN_SITE_TYPE: {"site_type": "CHURCH"},
    Reason.UNKNOWN_ETHNIC_CODE: {"ethnic_category": "Q"},
    Reason.INVALID_SNOMED_CODE: {"vaccine_snomed_code": "COVID"},
    Reason.INVALID_ODS_CODE: {"vaccination_site_ods_code": "e85 001"},
    Reason.UNKNOWN_AREA: {"ltla_code": "E09999999"},
    Reason.UNKNOWN_MSOA: {"msoa_code": "E02999999"},
    Reason.MSOA_NOT_IN_AREA: {"msoa_code": "E02001827"},
    Reason.DATE_BEFORE_PROGRAMME: {"vaccination_date": "2020-11-30"},
    Reason.DATE_IN_FUTURE: {
        "vaccination_date": "2021-07-02",
        "recorded_at": "2021-07-02T09:00:00Z",
    },
    Reason.RECORDED_BEFORE_VACCINATED: {"recorded_at": "2021-02-20T10:00:00Z"},
    Reason.RECORDED_IN_FUTURE: {"recorded_at": "2021-07-09T10:00:00Z"},
    Reason.DOSE_OUT_OF_RANGE: {"dose_number": 11},
    Reason.AGE_OUT_OF_RANGE: {"age_years": 121},
    Reason.JCVI_GROUP_OUT_OF_RANGE: {"jcvi_group": 10},
    Reason.IMD_DECILE_OUT_OF_RANGE: {"imd_decile": 0},
}


def broken_event(reason: Reason, nhs_number: str) -> dict[str, Any]:
    """A valid event with one rule broken (a None change removes the field)."""
    event = event_json(f"bad-{reason.value}", nhs_number)
    for name, value in BREAKERS[reason].items():
        if value is None:
            del event[name]
        elif value == "SELF":
            event[name] = event["event_id"]
        else:
            event[name] = value
    return event


def fhir_immunization(identifier: str, nhs_number: str, **changes: Any) -> dict[str, Any]:
    """A UK Core Immunization with the demographics this service reads."""
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "identifier": [{"system": "https://tpp-uk.com/Id/immunization", "value": identifier}],
        "status": "completed",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "p1",
                "identifier": [
                    {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs_number}
                ],
                "gender": "male",
                "birthDate": "1950-05-17",
                "extension": [
                    {
                        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
                        "valueCodeableConcept": {"coding": [{"code": "M"}]},
                    }
                ],
            }
        ],
        "patient": {"reference": "#p1"},
        "occurrenceDateTime": "2021-02-10T14:05:00+00:00",
        "recorded": "2021-02-10T14:20:00+00:00",
        "vaccineCode": {
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "39115611000001103",
                    "display": "COVID-19 mRNA Vaccine Pfizer-BioNTech",
                }
            ]
        },
        "protocolApplied": [{"doseNumberPositiveInt": 1}],
        "performer": [
            {
                "actor": {
                    "identifier": {
                        "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                        "value": "FA123",
                    }
                }
            }
        ],
        "extension": [
            {"url": EXTENSION_BASE + "ltla-code", "valueCode": HAMMERSMITH},
            {"url": EXTENSION_BASE + "jcvi-priority-group", "valueInteger": 4},
            {"url": EXTENSION_BASE + "site-type", "valueCode": "PHARMACY"},
        ],
    }
    resource.update(changes)
    return resource


def test_a_mixed_batch_lands_exactly_the_valid_events_and_dead_letters_the_rest(
    ingest: Ingest, stack: Stack, topics: Topics, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    key = ingest.key()
    auth = {"Authorization": f"Bearer {key}"}
    valid = [
        event_json("good-1", NHS_NUMBERS[0]),
        event_json("good-2", None, person_key=PSEUDONYMISER.person_key(NHS_NUMBERS[1])),
        event_json(
            "good-3",
            "943 476 5862",
            dose_number=2,
            vaccination_date="2021-05-20",
            recorded_at="2021-05-20T09:00:00+01:00",
        ),
        event_json("good-1", NHS_NUMBERS[0]),  # resent: accepted again
    ]
    broken = [
        broken_event(reason, NHS_NUMBERS[i % len(NHS_NUMBERS)]) for i, reason in enumerate(BREAKERS)
    ]
    lines = [json.dumps(e) for e in valid[:2]] + [json.dumps(e) for e in broken]
    lines += [
        '{"event_id": "torn-line", "nhs_number": "9434765919", ',
        json.dumps(valid[2]),
        json.dumps(valid[3]),
    ]
    body = ("\n".join(lines) + "\n").encode()

    with serve(ingest.app) as client:
        lines_answer = client.post(
            "/v1/events", content=body, headers={**auth, "Content-Type": "application/x-ndjson"}
        )
        array_answer = client.post(
            "/v1/events", json=[event_json("good-4", NHS_NUMBERS[3])], headers=auth
        )
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"resource": fhir_immunization("tpp-1", NHS_NUMBERS[2])},
                {"resource": fhir_immunization("tpp-1", NHS_NUMBERS[2], status="entered-in-error")},
                {"resource": fhir_immunization("tpp-2", NHS_NUMBERS[4], status="not-done")},
            ],
        }
        fhir_answer = client.post(
            "/fhir/Immunization",
            content=json.dumps(bundle),
            headers={**auth, "Content-Type": "application/fhir+json"},
        )
        avro_events = [
            event_from_json(event_json(f"avro-{i}", NHS_NUMBERS[i]), pseudonymiser=PSEUDONYMISER)
            for i in range(3)
        ]
        avro_events[2] = replace(avro_events[2], ltla_code="E09999999")
        avro_file = io.BytesIO()
        write_container(avro_events, avro_file)
        avro_answer = client.post(
            "/v1/events",
            content=avro_file.getvalue(),
            headers={**auth, "Content-Type": "avro/binary"},
        )

    # The HTTP answers: per event, in order, 207 where mixed, 200 where all were accepted.
    assert lines_answer.status_code == 207
    results = lines_answer.json()["results"]
    assert [r["status"] for r in results[:2]] == ["accepted", "accepted"]
    assert [r["reason"] for r in results[2 : 2 + len(broken)]] == [r.value for r in BREAKERS]
    assert results[2 + len(broken)]["reason"] == Reason.UNDECODABLE.value
    assert [r["status"] for r in results[-2:]] == ["accepted", "accepted"]
    assert all(r["message"] for r in results if r["status"] == "rejected")
    assert lines_answer.json()["accepted"] == 4
    assert array_answer.status_code == 200
    assert fhir_answer.status_code == 200
    fhir = fhir_results(fhir_answer)
    assert [r["status"] for r in fhir] == ["accepted", "accepted", "rejected"]
    assert [r["location"] for r in fhir[:2]] == ["Immunization/tpp-1", "Immunization/tpp-1"]
    assert (fhir[2]["reason"], fhir[2]["expression"]) == (
        Reason.UNKNOWN_KIND.value,
        ["Immunization.status"],
    )
    assert avro_answer.status_code == 207
    assert [r.get("reason") for r in avro_answer.json()["results"]] == [None, None, "unknown_area"]

    # The events topic holds exactly the accepted events (the resend twice), keyed by person.
    events = read_topic(stack, topics.events)
    decoded = [decode(r.value) for r in events]
    assert Counter(e.event_id for e in decoded) == Counter(
        [
            "good-1",
            "good-1",
            "good-2",
            "good-3",
            "good-4",
            "tpp-1",
            "tpp-1/entered-in-error",
            "avro-0",
            "avro-1",
        ]
    )
    assert all(r.key == decode(r.value).person_key.encode() for r in events)
    assert {e.source_system for e in decoded} == {PUBLISHER}
    by_id = {e.event_id: e for e in decoded}
    assert by_id["good-2"].person_key == PSEUDONYMISER.person_key(NHS_NUMBERS[1])
    assert by_id["good-3"].person_key == PSEUDONYMISER.person_key(NHS_NUMBERS[2])
    retraction = by_id["tpp-1/entered-in-error"]
    assert (
        retraction.kind is EventKind.ENTERED_IN_ERROR and retraction.supersedes_event_id == "tpp-1"
    )
    assert (by_id["tpp-1"].age_years, by_id["tpp-1"].sex.value, by_id["tpp-1"].ethnic_category) == (
        70,
        "MALE",
        "M",
    )
    assert by_id["tpp-1"].vaccination_date == date(2021, 2, 10)
    partitions = {e.person_key: r.partition for e, r in zip(decoded, events, strict=True)}
    assert all(
        partitions[e.person_key] == r.partition for e, r in zip(decoded, events, strict=True)
    )

    # The dead-letter topic holds every refused item with its reason, and Redis counts them.
    letters = [decode_dead_letter(r.value) for r in read_topic(stack, topics.dlq)]
    expected_reasons = Counter(
        [r.value for r in BREAKERS] + ["undecodable", "unknown_kind", "unknown_area"]
    )
    assert Counter(letter.reason for letter in letters) == expected_reasons
    assert {letter.stage for letter in letters} == {Stage.INGEST}
    assert {letter.publisher for letter in letters} == {PUBLISHER}
    unknown_area = next(lt for lt in letters if lt.event_id == f"bad-{Reason.UNKNOWN_AREA.value}")
    assert json.loads(unknown_area.original)["ltla_code"] == "E09999999"
    counts = DeadLetterPublisher(
        producer=ingest.producer, client=ingest.redis, topic=topics.dlq, prefix=prefix
    ).counts()
    assert counts == {("ingest", reason): n for reason, n in expected_reasons.items()}

    # No NHS number, in any of its forms, in any byte written to Kafka or in any log line.
    written = b"".join(r.raw() for r in events + read_topic(stack, topics.dlq))
    formatter = JsonFormatter("ingest")
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "/v1/events" in logged and "207" in logged
    for number in (*NHS_NUMBERS, "9434765918", "943 476 5862"):
        assert number.encode() not in written
        assert number not in logged
    assert key not in logged


def test_fhir_is_answered_in_fhir(ingest: Ingest, stack: Stack, topics: Topics) -> None:
    auth = {"Authorization": f"Bearer {ingest.key()}", "Content-Type": "application/fhir+json"}
    corrected = fhir_immunization("tpp-7", NHS_NUMBERS[0], meta={"versionId": "2"})
    wrong_code = fhir_immunization("tpp-8", NHS_NUMBERS[1])
    wrong_code["vaccineCode"]["coding"][0]["code"] = "PFIZER"

    def transaction(*resources: dict[str, Any]) -> dict[str, Any]:
        request = {"method": "POST", "url": "Immunization"}
        return {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{"resource": r, "request": request} for r in resources],
        }

    with serve(ingest.app) as client:

        def post(document: object, headers: dict[str, str] = auth) -> httpx.Response:
            return client.post("/fhir/Immunization", content=json.dumps(document), headers=headers)

        created = post(fhir_immunization("tpp-6", NHS_NUMBERS[0]))
        again = post(corrected)
        refused = post(wrong_code)
        failed = post(transaction(fhir_immunization("tpp-9", NHS_NUMBERS[2]), wrong_code))
        done = post(
            transaction(
                fhir_immunization("tpp-10", NHS_NUMBERS[3]),
                fhir_immunization("tpp-11", NHS_NUMBERS[4]),
            )
        )
        anonymous = post(fhir_immunization("tpp-12", NHS_NUMBERS[0]), {})
        malformed = client.post("/fhir/Immunization", content=b"{", headers=auth)

    # One Immunization: 201 with where it is, or 422 with an OperationOutcome naming the element.
    assert created.status_code == 201
    assert created.headers["location"].endswith("/fhir/Immunization/tpp-6")
    assert created.json()["resourceType"] == "OperationOutcome"
    assert again.headers["location"].endswith("/fhir/Immunization/tpp-7/_history/2")
    assert refused.status_code == 422
    (issue,) = refused.json()["issue"]
    assert issue["severity"] == "error" and issue["code"] == "code-invalid"
    assert issue["details"]["coding"][0]["code"] == Reason.INVALID_SNOMED_CODE.value
    assert issue["expression"] == ["Immunization.vaccineCode.coding.code"]
    assert "SNOMED" in issue["diagnostics"]
    # A transaction is all or nothing.
    assert failed.status_code == 422
    (issue,) = failed.json()["issue"]
    assert issue["expression"] == ["Bundle.entry[1].resource.vaccineCode.coding.code"]
    assert done.status_code == 200
    bundle = done.json()
    assert bundle["type"] == "transaction-response"
    assert [e["response"]["status"] for e in bundle["entry"]] == ["201 Created"] * 2
    assert [e["response"]["location"] for e in bundle["entry"]] == [
        "Immunization/tpp-10",
        "Immunization/tpp-11",
    ]
    # A request refused whole is an OperationOutcome too, with its error code.
    for answer, status, code in (
        (anonymous, 401, "missing_credentials"),
        (malformed, 400, "malformed_body"),
    ):
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("application/fhir+json")
        (issue,) = answer.json()["issue"]
        assert issue["details"]["coding"][0]["code"] == code and issue["diagnostics"]

    stored = sorted(decode(r.value).event_id for r in read_topic(stack, topics.events))
    assert stored == ["tpp-10", "tpp-11", "tpp-6", "tpp-7/_history/2"]
    letters = [decode_dead_letter(r.value) for r in read_topic(stack, topics.dlq)]
    assert [letter.reason for letter in letters] == ["invalid_snomed_code"] * 2


def test_whole_bodies_that_cannot_be_taken_get_a_clear_4xx_and_store_nothing(
    ingest: Ingest, stack: Stack, topics: Topics
) -> None:
    auth = {"Authorization": f"Bearer {ingest.key()}"}
    ingest.settings.max_batch_events = 3
    cases = [
        (b"[{]", "application/json", 400, "malformed_body"),
        (b"[]", "application/json", 400, "empty_batch"),
        (b"\n\n", "application/x-ndjson", 400, "empty_batch"),
        (b"event_id,kind\n", "text/csv", 415, "unsupported_media_type"),
        (b"not avro at all", "avro/binary", 400, "malformed_body"),
        (
            json.dumps([event_json(f"e{i}") for i in range(4)]).encode(),
            "application/json",
            413,
            "too_many_events",
        ),
        (b'{"resourceType": "Patient"}', "application/fhir+json", 400, "unsupported_resource"),
    ]
    with serve(ingest.app) as client:
        for body, content_type, status, code in cases:
            path = "/fhir/Immunization" if b"resourceType" in body else "/v1/events"
            answer = client.post(path, content=body, headers={**auth, "Content-Type": content_type})
            assert (answer.status_code, error_of(answer)[0]) == (status, code), body[:40]
            assert error_of(answer)[1]
        huge = b"[" + b" " * (ingest.settings.max_body_bytes + 1) + b"]"
        answer = client.post(
            "/v1/events", content=huge, headers={**auth, "Content-Type": "application/json"}
        )
        assert (answer.status_code, answer.json()["error"]["code"]) == (413, "body_too_large")
    assert read_topic(stack, topics.events) == []
    assert read_topic(stack, topics.dlq) == []


def test_a_batch_with_no_valid_event_is_422_and_fully_dead_lettered(
    ingest: Ingest, stack: Stack, topics: Topics
) -> None:
    auth = {"Authorization": f"Bearer {ingest.key()}"}
    with serve(ingest.app) as client:
        answer = client.post(
            "/v1/events", json=[event_json("x-1", ltla_code="nowhere")], headers=auth
        )
    assert answer.status_code == 422
    assert answer.json()["results"][0] | {"message": ""} == {
        "index": 0,
        "status": "rejected",
        "event_id": "x-1",
        "reason": "unknown_area",
        "message": "",
        "field": "ltla_code",
    }
    assert len(read_topic(stack, topics.dlq)) == 1
    assert read_topic(stack, topics.events) == []


def test_operations_endpoints_report_health_readiness_metrics_and_openapi(ingest: Ingest) -> None:
    auth = {"Authorization": f"Bearer {ingest.key()}"}
    with serve(ingest.app) as client:
        client.post(
            "/v1/events", json=[event_json("m-1"), event_json("m-2", dose_number=0)], headers=auth
        )
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        metrics = client.get("/metrics").text
        openapi = client.get("/openapi.json").json()
        missing = client.get("/v1/nothing-here")
    assert ready.status_code == 200
    assert f'vaxshare_ingest_events_received_total{{publisher="{PUBLISHER}"}} 2.0' in metrics
    assert f'vaxshare_ingest_events_accepted_total{{publisher="{PUBLISHER}"}} 1.0' in metrics
    rejected = f'publisher="{PUBLISHER}",reason="dose_out_of_range"'
    assert f"vaxshare_ingest_events_rejected_total{{{rejected}}} 1.0" in metrics
    assert "vaxshare_ingest_produce_latency_seconds_count 1.0" in metrics
    assert (
        'vaxshare_http_requests_total{method="POST",route="/v1/events",service="ingest",'
        'status="207"} 1.0' in metrics
    )
    # A publisher's series exist from its first request, reasons it never met included.
    never = f'publisher="{PUBLISHER}",reason="conflicting_duplicate"'
    assert f"vaxshare_ingest_events_rejected_total{{{never}}} 0.0" in metrics
    assert "vaxshare_ingest_batch_size_events_bucket" in metrics
    body = openapi["paths"]["/v1/events"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-ndjson", "avro/binary"} <= set(body)
    assert "207" in openapi["paths"]["/v1/events"]["post"]["responses"]
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def _hmac(number: str) -> str:
    return hmac.new(PSEUDONYM_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


def test_person_keys_are_the_keyed_hmac_of_the_nhs_number(
    ingest: Ingest, stack: Stack, topics: Topics
) -> None:
    auth = {"Authorization": f"Bearer {ingest.key()}"}
    with serve(ingest.app) as client:
        answer = client.post("/v1/events", json=[event_json("k-1", "943 476 5919")], headers=auth)
    assert answer.status_code == 200
    (record,) = read_topic(stack, topics.events)
    assert decode(record.value).person_key == _hmac("9434765919")


def test_the_docs_are_served_by_the_ingest_itself(ingest: Ingest) -> None:
    with serve(ingest.app) as client:
        for page in ("/docs", "/redoc"):
            html = client.get(page).text
            assert "/openapi.json" in html
            assert not re.search(r"(src|href)=\"https?:", html), html
            assets = re.findall(r"(?:src|href)=\"(/[^\"]+)\"", html)
            assert assets and all(client.get(a).status_code == 200 for a in assets)
