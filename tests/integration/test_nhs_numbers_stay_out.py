"""No NHS number gets past the boundary, whichever field it hides in and however it is written.

Hypothesis plants valid NHS numbers, written whole, in 3-3-4 or any other grouping with any
separator, alone or inside other text, in every string field of events sent every way there
is: HTTP JSON and JSON Lines, a CSV file as `vaxshare publish` sends it, a FHIR Bundle, an
Avro container file, and Avro records written straight to the events topic for the aggregator.
Every planted event is refused with `nhs_number_in_field` naming the field, and afterwards no
planted number is anywhere: not in an HTTP answer, the events or dead-letter topic (keys,
values, headers), a Redis key or value under the test's prefix, the Redis append-only file, a
log line of the ingest or the aggregator, or a metric.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka import KafkaProducer

from devtools.simulator.record_lines import csv_cell
from services.contract.codec import encode
from services.contract.container import write_container
from services.contract.dead_letter import decode_dead_letter
from services.contract.events import VaccinationEvent
from services.contract.json_codec import event_from_json
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason
from services.ingest.fhir import EXTENSION_BASE
from services.ingest.fhir_answers import ELEMENTS
from services.ingest.publish_files import batches
from services.platform.json_logging import JsonFormatter
from services.release.counts_reader import CountsReader
from tests.conftest import NATIONAL_PUBLISHER, Stack, Topics
from tests.integration.aggregate_harness import Aggregators, wait_until_counted
from tests.integration.ingest_harness import (
    NHS_NUMBERS,
    PSEUDONYM_KEY,
    Ingest,
    event_json,
    fhir_results,
    read_topic,
    serve,
)
from tests.integration.test_ingest_http import fhir_immunization
from tests.unit.contract.contract_examples import nhs_numbers, written_nhs_numbers

pytestmark = pytest.mark.slow
NHS_ONLY = Reason.NHS_NUMBER_IN_FIELD.value
# Every string field of the JSON form but the person's own nhs_number.
JSON_FIELDS = (
    "event_id",
    "kind",
    "supersedes_event_id",
    "person_key",
    "vaccination_date",
    "recorded_at",
    "vaccine_snomed_code",
    "vaccine_name",
    "ltla_code",
    "msoa_code",
    "sex",
    "ethnic_category",
    "site_type",
    "source_system",
    "vaccination_site_ods_code",
)
# Every string field of the event itself (Avro files and records straight to Kafka), read
# from the event's definition so a field added later is planted in too.
EVENT_FIELDS = tuple(
    f.name for f in dataclasses.fields(VaccinationEvent) if f.type in ("str", "str | None")
)
# FHIR elements this service reads into a string field, as (where, event field).
FHIR_ELEMENTS = (
    ("identifier", "event_id"),
    ("code", "vaccine_snomed_code"),
    ("display", "vaccine_name"),
    ("ltla", "ltla_code"),
    ("msoa", "msoa_code"),
    ("ods", "vaccination_site_ods_code"),
    ("ethnic", "ethnic_category"),
    ("gender", "sex"),
    ("site", "site_type"),
)
PLANTING = settings(
    max_examples=20,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
_JSON_ESCAPE = re.compile(rb"\\u[0-9a-fA-F]{4}")
# Any ten digits, separated by up to three other bytes, inside longer runs of digits too.
_TEN_DIGITS = re.compile(rb"(?=((?:[0-9][^0-9A-Za-z]{0,3}){9}[0-9]))")


def numbers_in(blob: bytes) -> set[str]:
    """Every ten digits a reader could see in the bytes, however they are grouped or framed."""
    blob = _JSON_ESCAPE.sub(b" ", blob)
    return {re.sub(rb"[^0-9]", b"", m.group(1)).decode() for m in _TEN_DIGITS.finditer(blob)}


@st.composite
def plantings(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """(number, {slot: text}): one NHS number, written a different way in each slot."""
    number = draw(nhs_numbers())
    written = written_nhs_numbers(st.just(number))
    words = st.text(st.characters(categories=["L"]), max_size=8)
    slots = {*JSON_FIELDS, *EVENT_FIELDS, *(where for where, _ in FHIR_ELEMENTS), "note"}
    texts: dict[str, str] = {}
    for slot in sorted(slots):
        form = draw(written)
        if draw(st.booleans()):
            form = f"{draw(words)} {form} {draw(words)}"
        texts[slot] = form
    return number, texts


class Captured(logging.Handler):
    """Every log record of this process, as the service's JSON line."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter("ingest"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def captured_logs() -> Iterator[Captured]:
    """Capture what the in-process ingest logs, as its JSON lines (INFO, kafka at WARNING)."""
    handler = Captured()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def answer_bytes(answer: httpx.Response) -> bytes:
    """Everything an HTTP answer shows its caller."""
    head = "\n".join(f"{k}: {v}" for k, v in answer.headers.items()).encode()
    return head + answer.content


def planted_json(field: str, text: str, event_id: str) -> dict[str, Any]:
    """A valid event as JSON, but with the text in one field."""
    if field == "person_key":
        return event_json(event_id, nhs_number=None, person_key=text)
    return {**event_json(event_id), field: text}


def planted_event(field: str, text: str, event_id: str) -> VaccinationEvent:
    """A valid event, but with the text in one field."""
    base = event_json(event_id, nhs_number=None, person_key="ab" * 32)
    event = event_from_json(base, pseudonymiser=Pseudonymiser(PSEUDONYM_KEY.encode()))
    return replace(event, **{field: text})


def planted_fhir(where: str, text: str, identifier: str) -> dict[str, Any]:
    """An Immunization, but with the text in one element."""
    resource = fhir_immunization(identifier, NHS_NUMBERS[1])
    patient = resource["contained"][0]
    if where == "identifier":
        resource["identifier"][0]["value"] = text
    elif where in ("code", "display"):
        resource["vaccineCode"]["coding"][0][where] = text
    elif where == "ods":
        resource["performer"][0]["actor"]["identifier"]["value"] = text
    elif where == "ethnic":
        patient["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] = text
    elif where == "gender":
        patient["gender"] = text
    elif where in ("ltla", "msoa", "site"):
        url = (
            EXTENSION_BASE + {"ltla": "ltla-code", "msoa": "msoa-code", "site": "site-type"}[where]
        )
        resource["extension"] = [e for e in resource["extension"] if e["url"] != url]
        resource["extension"].append({"url": url, "valueString": text})
    return resource


def redis_dump(client: redis.Redis, prefix: str) -> bytes:
    """Every key under the prefix and everything stored in it."""
    parts: list[bytes] = []
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        kind = client.type(key)
        parts.append(key)
        if kind == b"string":
            parts.append(client.get(key) or b"")
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                parts += [field, value]
        elif kind == b"set":
            parts += list(client.smembers(key))
        elif kind == b"zset":
            parts += [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
        elif kind == b"list":
            parts += client.lrange(key, 0, -1)
        elif kind == b"stream":
            for _, fields in client.xrange(key):
                for field, value in fields.items():
                    parts += [field, value]
    return b"\n".join(parts)


def aof_sizes(data_dir: Path) -> dict[Path, int]:
    """The size of every append-only file of the test Redis right now."""
    return {path: path.stat().st_size for path in (data_dir / "appendonlydir").glob("*.aof")}


def aof_written_since(before: dict[Path, int], data_dir: Path) -> bytes:
    """What the append-only files gained since `before` (all of a file that is new)."""
    return b"".join(
        path.read_bytes()[before.get(path, 0) :] for path in sorted(aof_sizes(data_dir))
    )


def test_an_nhs_number_planted_in_any_field_on_any_path_reaches_nothing(
    ingest: Ingest, stack: Stack, topics: Topics, prefix: str, tmp_path: Path
) -> None:
    planted: set[str] = set()
    answers: list[bytes] = []
    direct: set[tuple[int, int]] = set()
    client = stack.redis_client()
    aof_before = aof_sizes(stack.redis.data_dir)
    aggregators = Aggregators(stack, topics, prefix, tmp_path, VAXSHARE_LOG_LEVEL="DEBUG")
    producer = KafkaProducer(**stack.kafka_options(NATIONAL_PUBLISHER), acks="all")
    examples = iter(range(1000))
    try:
        aggregator = aggregators.start()
        with captured_logs() as logs, serve(ingest.app) as http:
            http.headers["Authorization"] = f"Bearer {ingest.key()}"

            def post(path: str, body: bytes, content_type: str, request_id: str) -> Any:
                answer = http.post(
                    path,
                    content=body,
                    headers={"Content-Type": content_type, "X-Request-ID": request_id},
                )
                answers.append(answer_bytes(answer))
                assert answer.status_code == 207, answer.text[:300]
                return answer.json()["results"]

            @PLANTING
            @given(plantings())
            def send_everywhere(planting: tuple[str, dict[str, str]]) -> None:
                number, texts = planting
                planted.add(number)
                n = next(examples)
                good = event_json(f"good-{n}")

                # HTTP JSON and JSON Lines: one event per field, and a field nobody knows.
                events = [planted_json(f, texts[f], f"json-{n}-{f}") for f in JSON_FIELDS]
                events.append(event_json(f"json-{n}-note", note=texts["note"]))
                for body, kind in (
                    (json.dumps([*events, good]).encode(), "application/json"),
                    (
                        "\n".join(json.dumps(e) for e in [*events, good]).encode(),
                        "application/x-ndjson",
                    ),
                ):
                    # The request id too: it is logged and echoed, unless it holds a number.
                    results = post("/v1/events", body, kind, f"req-{number}")
                    assert [r["reason"] for r in results[: len(JSON_FIELDS)]] == [NHS_ONLY] * len(
                        JSON_FIELDS
                    )
                    assert [r["field"] for r in results[: len(JSON_FIELDS)]] == list(JSON_FIELDS)
                    assert results[-2]["reason"] == NHS_ONLY and results[-2]["field"] is None
                    assert results[-1]["status"] == "accepted"

                # A CSV file, as `vaxshare publish` sends it.
                csv_file = tmp_path / f"planted-{n}.csv"
                columns = [*good, "person_key", "supersedes_event_id"]
                rows = [planted_json(f, texts[f], f"csv-{n}-{f}") for f in JSON_FIELDS]
                rows.append({**good, "event_id": f"csv-good-{n}"})
                csv_file.write_text(
                    "".join(
                        ",".join(map(csv_cell, row)) + "\n"
                        for row in [columns, *([r.get(c) for c in columns] for r in rows)]
                    ),
                    encoding="utf-8",
                )
                for batch in batches(csv_file, "csv", size=100):
                    results = post("/v1/events", batch.body, batch.content_type, "c")
                    assert [(r["reason"], r["field"]) for r in results[:-1]] == [
                        (NHS_ONLY, f) for f in JSON_FIELDS
                    ]

                # FHIR: a Bundle with the number in each element that is read, and in a note.
                resources = [
                    planted_fhir(where, texts[where], f"fhir-{n}-{where}")
                    for where, _ in FHIR_ELEMENTS
                ]
                noted = fhir_immunization(f"fhir-{n}-note", NHS_NUMBERS[2])
                noted["note"] = [{"text": texts["note"]}]
                bundle = {
                    "resourceType": "Bundle",
                    "type": "batch",
                    "entry": [{"resource": r} for r in [*resources, noted]],
                }
                answer = http.post(
                    "/fhir/Immunization",
                    content=json.dumps(bundle).encode(),
                    headers={"Content-Type": "application/fhir+json"},
                )
                answers.append(answer_bytes(answer))
                results = fhir_results(answer)
                assert [(r["reason"], r["expression"]) for r in results[:-1]] == [
                    (NHS_ONLY, [f"Immunization.{e}" for e in ELEMENTS[field]])
                    for _, field in FHIR_ELEMENTS
                ]

                # An Avro container file; the publisher's name replaces source_system.
                avro = io.BytesIO()
                write_container(
                    [planted_event(f, texts[f], f"avro-{n}-{f}") for f in EVENT_FIELDS], avro
                )
                results = post("/v1/events", avro.getvalue(), "avro/binary", "a")
                assert [r["reason"] for r in results] == [
                    None if f == "source_system" else NHS_ONLY for f in EVENT_FIELDS
                ]

                # Straight into the events topic, for the aggregator to find.
                values = [
                    encode(planted_event(f, texts[f], f"kafka-{n}-{f}")) for f in EVENT_FIELDS
                ]
                values.append(json.dumps(event_json(f"kafka-{n}-json", texts["note"])).encode())
                for value in values:
                    meta = producer.send(topics.events, key=b"ab" * 32, value=value).get(30)
                    direct.add((meta.partition, meta.offset))

            send_everywhere()
            producer.flush(30)
            wait_until_counted(stack, topics.events, CountsReader(client, prefix=prefix))
            port = aggregators.metrics_port(aggregator)
            metrics = [
                httpx.get(f"http://127.0.0.1:{port}/metrics").content,
                http.get("/metrics").content,
            ]
        assert aggregators.stop_all() == [0]
    finally:
        producer.close()
        aggregators.kill_all()

    events = read_topic(stack, topics.events)
    ours = [r for r in events if (r.partition, r.offset) not in direct]
    assert len(events) - len(ours) == len(direct)
    dead = read_topic(stack, topics.dlq)
    letters = [decode_dead_letter(r.value) for r in dead]
    stages = {(letter.stage.value, letter.reason) for letter in letters}
    assert {("ingest", NHS_ONLY), ("aggregate", NHS_ONLY)} <= stages

    places = {
        "answers": b"\n".join(answers),
        "events topic": b"\n".join(r.raw() for r in ours),
        "dead-letter topic": b"\n".join(r.raw() for r in dead),
        "redis": redis_dump(client, prefix),
        "append-only file": aof_written_since(aof_before, stack.redis.data_dir),
        "ingest log": "\n".join(logs.lines).encode(),
        "aggregator log": b"".join(p.read_bytes() for p in aggregators.log_of.values()),
        "metrics": b"\n".join(metrics),
    }
    assert len(planted) >= 10
    leaks = {where: sorted(numbers_in(blob) & planted) for where, blob in places.items()}
    assert leaks == {where: [] for where in places}
