"""The whole flow as its users live it: publish → count → release → council reads.

A simulated feed for two London boroughs goes in two ways — the bulk straight into Kafka as a
national system would (Avro, person keys), the last days through the ingest HTTP API as GP
systems do (JSON, NHS numbers) — into the real ingest, aggregator and council API processes.
A release is cut, verified, disclosure-controlled and published; what a council reads must
be the policy applied to the simulator's exact counts, and no NHS number may be anywhere.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis
from kafka import KafkaConsumer, KafkaProducer

from devtools.localstack import runner
from devtools.localstack.servers import free_port
from devtools.simulator.output import record_to_json
from devtools.simulator.simulator import SimulatedRecord, SimulationConfig, Simulator
from services.access.roles import Role
from services.contract import codec
from services.disclosure.registry import get_policy
from services.platform.key_store import KeyStore
from services.reference.areas import load_areas
from services.release.bootstrap import release_builder
from services.release.counts_reader import CountsReader
from services.release.settings import ReleaseSettings
from services.releases.model import ReleaseStatus
from tests.conftest import NATIONAL_PUBLISHER, Stack, Topics, grant_topics
from tests.integration.aggregate_harness import wait_until_counted

pytestmark = pytest.mark.slow

HF, BRENT, LONDON = "E09000013", "E09000005", "E12000007"
END = date(2021, 2, 28)
PSEUDONYM_KEY = "5f" * 32


@dataclass(frozen=True)
class Pipeline:
    """The running services of one test, their keys and the feed that went through them."""

    api: str
    ingest: str
    keys: dict[str, str]
    simulator: Simulator
    http_records: list[SimulatedRecord]
    ingest_answers: list[dict[str, object]]
    release_id: int
    run_dir: Path
    redis: redis.Redis
    prefix: str


@pytest.fixture(scope="module")
def pipeline(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    prefix = "e2e"
    events, dlq = f"{prefix}.vaccination-events", f"{prefix}.vaccination-events.dlq"
    from services.platform.kafka_topics import ensure_topics

    grant_topics(stack.bootstrap, stack.secrets, Topics(events, dlq, 4), prefix)
    ensure_topics(stack.bootstrap, {events: 4, dlq: 1}, auth=stack.kafka_auth("operator"))
    run_dir = tmp_path_factory.mktemp("pipeline")
    client = stack.redis_client()
    store = KeyStore(client, prefix=prefix)
    keys = {
        "publisher": store.create(Role.PUBLISHER, "EMIS Web (e2e)")[0],
        "operator": store.create(Role.OPERATOR, "On-call operator")[0],
        "hf": store.create(Role.COUNCIL, "Hammersmith and Fulham", (HF,))[0],
        "brent": store.create(Role.COUNCIL, "Brent", (BRENT,))[0],
    }
    ports = {"ingest": free_port(), "api": free_port(), "aggregate": free_port()}
    env = {
        "VAXSHARE_KAFKA_BOOTSTRAP": stack.bootstrap,
        "VAXSHARE_REDIS_URL": stack.redis_url,
        "VAXSHARE_REDIS_PREFIX": prefix,
        "VAXSHARE_EVENTS_TOPIC": events,
        "VAXSHARE_DLQ_TOPIC": dlq,
        "VAXSHARE_EVENTS_PARTITIONS": "4",
        "VAXSHARE_INGEST_PORT": str(ports["ingest"]),
        "VAXSHARE_API_PORT": str(ports["api"]),
        "VAXSHARE_AGGREGATE_METRICS_PORT": str(ports["aggregate"]),
        "VAXSHARE_AGGREGATE_GROUP_ID": f"{prefix}-aggregate",
        "VAXSHARE_AGGREGATE_EVENT_BUCKETS": "4096",
    }
    cli = ["-m", "services.cli"]
    for name, args in (
        ("ingest", ["ingest"]),
        ("aggregate", ["aggregate", "run"]),
        ("api", ["api"]),
    ):
        # Only the ingest holds the pseudonym key, as in every environment.
        own = {"VAXSHARE_PSEUDONYM_KEY": PSEUDONYM_KEY} if name == "ingest" else {}
        runner.start_service(
            name,
            [*cli, *args],
            port=ports[name],
            env={**env, **own, **stack.service_env(name)},
            run_dir=run_dir,
        )
    try:
        simulator = Simulator(
            SimulationConfig(
                areas=(HF, BRENT), scale=0.004, end=END, pseudonym_key=bytes.fromhex(PSEUDONYM_KEY)
            )
        )
        cutoff = datetime.combine(END - timedelta(days=6), datetime.min.time(), UTC)
        bulk = [r for r in simulator.records() if r.event.recorded_at < cutoff]
        recent = [r for r in simulator.records() if r.event.recorded_at >= cutoff]
        _to_kafka(stack, events, bulk)
        ingest_url = f"http://127.0.0.1:{ports['ingest']}"
        answers = _to_ingest(ingest_url, keys["publisher"], recent)
        wait_until_counted(stack, events, CountsReader(client, prefix=prefix), timeout=120)
        settings = ReleaseSettings(
            kafka_bootstrap=stack.bootstrap,
            **stack.secrets.service_settings("release"),
            redis_url=stack.redis_url,
            redis_prefix=prefix,
            events_topic=events,
            dlq_topic=dlq,
        )
        builder = release_builder(client, settings=settings, areas=load_areas())
        meta = builder.create(as_of=END, publish=True)
        assert meta.status is ReleaseStatus.PUBLISHED, meta.held_reasons
        yield Pipeline(
            api=f"http://127.0.0.1:{ports['api']}/v1",
            ingest=ingest_url,
            keys=keys,
            simulator=simulator,
            http_records=recent,
            ingest_answers=answers,
            release_id=meta.id,
            run_dir=run_dir,
            redis=client,
            prefix=prefix,
        )
    finally:
        runner.down(run_dir)


def _to_kafka(stack: Stack, topic: str, records: list[SimulatedRecord]) -> None:
    producer = KafkaProducer(**stack.kafka_options(NATIONAL_PUBLISHER), acks="all", linger_ms=10)
    for record in records:
        if record.event.person_key:  # an invalid NHS number never became a person key
            producer.send(
                topic, key=record.event.person_key.encode(), value=codec.encode(record.event)
            )
    producer.flush()
    producer.close()


def _to_ingest(url: str, key: str, records: list[SimulatedRecord]) -> list[dict[str, object]]:
    answers: list[dict[str, object]] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
    with httpx.Client(timeout=60) as client:
        for start in range(0, len(records), 500):
            chunk = records[start : start + 500]
            body = b"\n".join(
                json.dumps(record_to_json(r, with_nhs_numbers=True)).encode() for r in chunk
            )
            answer = client.post(f"{url}/v1/events", content=body, headers=headers)
            assert answer.status_code in (200, 207, 422), answer.text[:500]
            answers.extend(answer.json()["results"])
    return answers


def _get(p: Pipeline, who: str, path: str, **params: object) -> httpx.Response:
    return httpx.get(
        f"{p.api}{path}",
        params=params,
        headers={"Authorization": f"Bearer {p.keys[who]}"},
        timeout=60,
    )


def test_ingest_answers_each_event_as_the_simulator_expects(pipeline: Pipeline) -> None:
    statuses = [a["status"] for a in pipeline.ingest_answers]
    assert len(statuses) == len(pipeline.http_records)
    for record, answer in zip(pipeline.http_records, pipeline.ingest_answers, strict=True):
        if record.valid:
            assert answer["status"] == "accepted", answer
        else:
            assert answer["status"] == "rejected", answer
            assert answer["reason"] == record.reason, (answer, record.reason)


def test_council_reads_the_policy_applied_to_the_exact_counts(pipeline: Pipeline) -> None:
    # docs/disclosure.md: a group's cumulative count is rounded to its step (5 unless
    # flagged coarser), blank only before its first figure (or withheld), never 1-7; `new`
    # is the difference of the published cumulative counts.
    policy = get_policy("nhs-digital")
    expected = pipeline.simulator.expected_counts().counts
    answer = _get(pipeline, "hf", f"/areas/{HF}/vaccinations", breakdown="ethnic_group", dose=1)
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert body["release"]["id"] == pipeline.release_id
    rows = body["rows"]
    assert rows, "a council sees its own breakdown"
    by_group: dict[str, list[dict]] = {}
    for row in rows:
        by_group.setdefault(row["group"], []).append(row)
    shown = blank = 0
    for group, series in by_group.items():
        truth, previous, started = 0, None, False
        for row in series:
            day = date.fromisoformat(row["date"])
            truth += expected.get((HF, day, 1, "ethnic_group", group), 0)
            value = row["cumulative"]
            if value is None:
                assert row["cumulative_suppressed"]
                assert not started or row["withheld"], "never blank after a group's first figure"
                blank += 1
            else:
                started = True
                step = row["rounded_to"]
                assert step in policy.bases
                assert value == policy.publish_value(truth, policy.bases.index(step)), (row, truth)
                assert abs(value - truth) <= row["max_error"]
                assert not 1 <= value <= 7
                assert row["new"] == value - (previous or 0), row
                shown += 1
            previous = value
    assert shown and blank, "a realistic table has both figures and early blanks"


def test_csv_and_json_agree_and_utla_is_served(pipeline: Pipeline) -> None:
    params = {"breakdown": "age_band", "dose": "all"}
    as_json = _get(pipeline, "hf", f"/areas/{HF}/vaccinations", **params).json()["rows"]
    as_csv = _get(pipeline, "hf", f"/areas/{HF}/vaccinations", format="csv", **params)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert f"release-{pipeline.release_id}" in as_csv.headers["content-disposition"]
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(parsed) == len(as_json)
    assert as_json, "the borough has rows"
    for j, c in zip(as_json, parsed, strict=True):
        assert c["date"] == j["date"] and c["group"] == j["group"]
        assert c["new"] == ("" if j["new"] is None else str(j["new"]))
    # London's boroughs are unitary; their upper tier, London, is served from its LTLAs'
    # exact sum (here the two simulated boroughs) with the policy applied once to the sum.
    expected = pipeline.simulator.expected_counts().counts
    answer = _get(pipeline, "hf", f"/areas/{LONDON}/vaccinations", dose="1")
    assert answer.status_code == 200, answer.text[:300]
    shown, truth = 0, 0
    for row in answer.json()["rows"]:
        day = date.fromisoformat(row["date"])
        truth += sum(expected.get((ltla, day, 1, "none", row["group"]), 0) for ltla in (HF, BRENT))
        if row["cumulative"] is not None:
            assert abs(row["cumulative"] - truth) <= row["max_error"], (row, truth)
            shown += truth > 0
    assert shown, "the region shows days with vaccinations"


def test_headline_uptake_is_over_the_16_plus_population(pipeline: Pipeline) -> None:
    path = f"/areas/{HF}/vaccinations"
    rows = _get(pipeline, "hf", path, dose="1").json()["rows"]
    bands = _get(pipeline, "hf", path, dose="1", breakdown="age_band").json()["rows"]
    adult_bands: dict[str, list[int | None]] = {}
    adult_errors: dict[str, int] = {}
    children: dict[str, int | None] = {}
    children_error = 0
    for band in bands:
        if band["group"] == "0-15":
            children[band["date"]] = band["cumulative"]
            children_error = band["max_error"]
        else:
            adult_bands.setdefault(band["date"], []).append(band["cumulative"])
            adult_errors[band["date"]] = adult_errors.get(band["date"], 0) + band["max_error"]
    exact: dict[date, int] = {}
    for (ltla, when, dose, b, group), n in pipeline.simulator.expected_counts().counts.items():
        if ltla == HF and dose == 1 and b == "age_band" and group != "0-15":
            exact[when] = exact.get(when, 0) + n
    for row in rows:
        assert row["population"] == 149_600 and row["population_ages"] == "16+"
        assert row["population_source"] == "ons" and row["uptake_numerator_ages"] == "16+"
        parts, under_16 = adult_bands[row["date"]], children[row["date"]]
        truth = sum(n for when, n in exact.items() if when <= date.fromisoformat(row["date"]))
        if None not in parts:
            # The sum of the published age bands from 16-17 up: within their rounding of the
            # exact number of people aged 16+ vaccinated by then.
            assert row["uptake_numerator"] == sum(parts)  # type: ignore[arg-type]
            assert abs(row["uptake_numerator"] - truth) <= adult_errors[row["date"]]
        elif row["cumulative"] is not None and under_16 is not None:
            # A band is blank: the total less the published 0-15 is the same count.
            assert row["uptake_numerator"] == row["cumulative"] - under_16
            assert abs(row["uptake_numerator"] - truth) <= row["max_error"] + children_error
        else:
            assert row["uptake_numerator"] is None and row["uptake_percent"] is None
            assert row["uptake_withheld_reason"] == "part_suppressed"
            continue
        assert row["uptake_percent"] == pytest.approx(
            100 * row["uptake_numerator"] / 149_600, abs=0.051
        )


def test_scope_headlines_for_neighbours_breakdowns_only_for_own_area(pipeline: Pipeline) -> None:
    assert _get(pipeline, "brent", f"/areas/{HF}/vaccinations").status_code == 200
    refused = _get(pipeline, "brent", f"/areas/{HF}/vaccinations", breakdown="ethnic_group")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"]
    own = _get(pipeline, "brent", f"/areas/{BRENT}/summary", breakdown="ethnic_group")
    assert own.status_code == 200


def test_no_nhs_number_reaches_kafka_redis_logs_or_the_api(
    pipeline: Pipeline, stack: Stack
) -> None:
    numbers = {r.nhs_number for r in pipeline.simulator.records() if r.nhs_number}
    assert numbers
    found: list[str] = []

    def scan(where: str, blob: bytes) -> None:
        text = blob.decode("latin-1")
        hits = [n for n in numbers if n in text]
        if hits:
            found.append(f"{where}: {hits[:3]}")

    consumer = KafkaConsumer(
        f"{pipeline.prefix}.vaccination-events",
        f"{pipeline.prefix}.vaccination-events.dlq",
        **stack.kafka_options(),
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    scan("kafka", b"\n".join((m.value or b"") + (m.key or b"") for m in consumer))
    consumer.close()
    client = pipeline.redis
    for key in client.scan_iter(f"{pipeline.prefix}:*", count=1000):
        kind = client.type(key)
        if kind == b"hash":
            scan(key.decode(), b"".join(k + v for k, v in client.hgetall(key).items()))
        elif kind == b"string":
            scan(key.decode(), client.get(key) or b"")
        elif kind == b"stream":
            scan(key.decode(), repr(client.xrange(key)).encode())
    for log in pipeline.run_dir.glob("*.log"):
        scan(log.name, log.read_bytes())
    for path in (f"/areas/{HF}/vaccinations?breakdown=msoa", f"/areas/{HF}/summary"):
        scan(
            path,
            httpx.get(
                f"{pipeline.api}{path}",
                headers={"Authorization": f"Bearer {pipeline.keys['operator']}"},
                timeout=60,
            ).content,
        )
    assert not found, found
