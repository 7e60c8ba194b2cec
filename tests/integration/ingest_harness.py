"""What the ingest integration tests share: app wiring, keys, events and topic reading."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx
import redis
import uvicorn
from fastapi import FastAPI
from kafka import KafkaConsumer, TopicPartition

from devtools.localstack.servers import free_port
from services.access.roles import Role
from services.ingest.app import create_app
from services.ingest.settings import IngestSettings
from services.platform.dead_letters import DeadLetterPublisher
from services.platform.kafka_producer import AckedProducer
from services.platform.key_store import KeyStore
from services.platform.redis_client import connect
from services.reference.areas import load_areas
from tests.conftest import Servers, redis_login

NOW = datetime(2021, 6, 30, 12, 0, tzinfo=UTC)
PSEUDONYM_KEY = "ingest-tests-pseudonym-key-0123"
PUBLISHER = "EMIS Web (test practice)"
HAMMERSMITH = "E09000013"
HAMMERSMITH_MSOA = "E02000372"
# Valid NHS numbers (modulus 11), as the test data of NHS Digital uses.
NHS_NUMBERS = ("9434765919", "9434765870", "9434765862", "9434765846", "9434765838")


@dataclass
class Ingest:
    """An ingest app wired to real Kafka and Redis, with what the tests need to look inside."""

    app: FastAPI
    producer: AckedProducer
    redis: redis.Redis  # the operator's: keys are made, and everything looked at, with it
    key_store: KeyStore
    settings: IngestSettings
    service_redis: redis.Redis  # the ingest's own

    def close(self) -> None:
        """Close the producer and both Redis clients."""
        self.producer.close()
        self.redis.close()
        self.service_redis.close()

    def key(self, role: Role = Role.PUBLISHER, name: str = PUBLISHER) -> str:
        """A new API key of a role."""
        areas = (HAMMERSMITH,) if role is Role.COUNCIL else ()
        return self.key_store.create(role, name, areas)[0]


def build_ingest(
    servers: Servers,
    *,
    prefix: str,
    events_topic: str,
    dlq_topic: str,
    clock: Callable[[], datetime] = lambda: NOW,
    **overrides: Any,
) -> Ingest:
    """The ingest app as `main` builds it (its own Kafka principal and Redis user), but on the
    test's topics and key prefix."""
    settings = IngestSettings(
        pseudonym_key=PSEUDONYM_KEY,
        kafka_bootstrap=servers.bootstrap,
        redis_url=servers.redis_url,
        **servers.secrets.service_settings("ingest"),
        redis_prefix=prefix,
        events_topic=events_topic,
        dlq_topic=dlq_topic,
        **overrides,
    )
    client = connect(settings)
    producer = AckedProducer(
        bootstrap=servers.bootstrap,
        auth=settings.kafka_auth(),
        client_id=f"{prefix}-ingest",
        timeout_seconds=settings.kafka_timeout_seconds,
    )
    operator = redis_login(servers.secrets, "operator", servers.redis_url)
    app = create_app(
        settings=settings,
        producer=producer,
        dead_letters=DeadLetterPublisher(
            producer=producer, client=client, topic=dlq_topic, prefix=prefix
        ),
        key_store=KeyStore(client, prefix=prefix),
        areas=load_areas(),
        clock=clock,
    )
    return Ingest(app, producer, operator, KeyStore(operator, prefix=prefix), settings, client)


def event_json(
    event_id: str, nhs_number: str | None = NHS_NUMBERS[0], **changes: Any
) -> dict[str, Any]:
    """A valid first dose in Hammersmith and Fulham as a publisher posts it."""
    event: dict[str, Any] = {
        "event_id": event_id,
        "kind": "ADMINISTERED",
        "nhs_number": nhs_number,
        "vaccination_date": "2021-03-01",
        "recorded_at": "2021-03-01T10:30:00Z",
        "dose_number": 1,
        "vaccine_snomed_code": "39114911000001105",
        "vaccine_name": "COVID-19 Vaccine AstraZeneca",
        "ltla_code": HAMMERSMITH,
        "msoa_code": HAMMERSMITH_MSOA,
        "age_years": 54,
        "sex": "FEMALE",
        "ethnic_category": "N",
        "jcvi_group": 6,
        "imd_decile": 2,
        "clinically_extremely_vulnerable": False,
        "health_social_care_worker": False,
        "care_home_resident": False,
        "site_type": "GP",
        "source_system": "ignored: the key's name is recorded",
        "vaccination_site_ods_code": "E85001",
    }
    if nhs_number is None:
        del event["nhs_number"]
    event.update(changes)
    return event


def fhir_results(answer: httpx.Response) -> list[dict[str, Any]]:
    """The entries of a batch-response Bundle as results shaped like the JSON API's."""
    assert answer.headers["content-type"].startswith("application/fhir+json"), answer.text[:300]
    bundle = answer.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"].endswith("-response"), bundle
    results = []
    for index, entry in enumerate(bundle["entry"]):
        response = entry["response"]
        (issue,) = response["outcome"]["issue"]
        created = response["status"] == "201 Created"
        results.append(
            {
                "index": index,
                "status": "accepted" if created else "rejected",
                "location": response.get("location"),
                "event_id": unquote(response["location"].split("/", 1)[1]) if created else None,
                "reason": None if created else issue["details"]["coding"][0]["code"],
                "message": None if created else issue["diagnostics"],
                "expression": None if created else issue["expression"],
            }
        )
    return results


def error_of(answer: httpx.Response) -> tuple[str, str]:
    """(code, message) of a request refused whole: JSON, or an OperationOutcome for FHIR."""
    body = answer.json()
    if body.get("resourceType") == "OperationOutcome":
        (issue,) = body["issue"]
        return issue["details"]["coding"][0]["code"], issue["diagnostics"]
    return body["error"]["code"], body["error"]["message"]


@dataclass(frozen=True)
class Record:
    """One Kafka record as it sits in the topic."""

    partition: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    offset: int = -1

    def raw(self) -> bytes:
        """Every byte of the record a reader could see."""
        parts = [self.key or b"", self.value]
        parts += [name.encode() + value for name, value in self.headers]
        return b"".join(parts)


def read_topic(servers: Servers, topic: str) -> list[Record]:
    """Everything in a topic right now (reads each partition to its end offset, as admin)."""
    consumer = KafkaConsumer(
        bootstrap_servers=servers.bootstrap,
        enable_auto_commit=False,
        **servers.secrets.kafka_auth("admin").kafka_python(),
    )
    try:
        if topic not in consumer.topics():  # fetches the cluster's metadata
            raise LookupError(f"no topic {topic}")
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[Record] = []
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for tp, batch in consumer.poll(timeout_ms=1000).items():
                records += [
                    Record(tp.partition, r.key, r.value, tuple(r.headers or ()), r.offset)
                    for r in batch
                ]
        return records
    finally:
        consumer.close()


@contextmanager
def serve(app: FastAPI) -> Iterator[httpx.Client]:
    """Serve the app with uvicorn on a free port in a thread; a client pointed at it."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the ingest app did not start")
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{config.port}", timeout=60) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=20)
