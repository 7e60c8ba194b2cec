"""Benchmark: aggregator throughput against a bare consumer, and Redis bytes per event.

Prefills a topic with a simulated feed, then in the same run measures (1) a bare
kafka-python consumer reading the topic and doing nothing, (2) decode + validate alone, and
(3) the aggregator (decode, validate, count, Redis read and atomic apply) over the same
records. Then sums `MEMORY USAGE` of the per-event state hashes to give bytes per event.

    python -m bench.bench_aggregate [--events 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from bench.stack import bench_login
from devtools.localstack import servers
from devtools.simulator.simulator import NW_LONDON, SimulationConfig, Simulator
from services.aggregate.consumer import Aggregator
from services.aggregate.generation import GenerationSpec
from services.aggregate.metrics import AggregateMetrics
from services.aggregate.record_intake import RecordIntake
from services.aggregate.redis_store import RedisStore
from services.contract import codec
from services.contract.errors import CodecError, ContractError
from services.contract.validation import validate
from services.platform.kafka_auth import KafkaAuth
from services.platform.kafka_topics import ensure_topics
from services.platform.redis_keys import RedisKeys
from services.reference.areas import load_areas
from services.reference.breakdowns import DEFAULT_BREAKDOWNS

TOPIC = "bench.vaccination-events"
PARTITIONS = 4
BATCH = 5000
EVENTS_PER_BUCKET = 100  # listpack-sized hashes, as a production bucket count would give


def _consumer(bootstrap: str, auth: KafkaAuth) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        **auth.kafka_python(),
        enable_auto_commit=False,
        max_poll_records=BATCH,
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
        fetch_max_wait_ms=200,
    )
    consumer.assign([TopicPartition(TOPIC, p) for p in range(PARTITIONS)])
    return consumer


def _prefill(bootstrap: str, auth: KafkaAuth, events: int) -> list[bytes]:
    per_scale = 38_834 / 0.025  # records of the NW London feed per unit of scale
    simulator = Simulator(
        SimulationConfig(
            areas=NW_LONDON, scale=min(1.0, events / per_scale), with_nhs_numbers=False
        )
    )
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        **auth.kafka_python(),
        acks="all",
        linger_ms=20,
        batch_size=1024 * 1024,
    )
    values = []
    for record in simulator.records()[:events]:
        try:
            value = codec.encode(record.event)
        except CodecError:
            continue
        values.append(value)
        producer.send(TOPIC, key=record.event.person_key.encode(), value=value)
    producer.flush(timeout=120)
    producer.close()
    return values


def _bare_rate(bootstrap: str, auth: KafkaAuth, total: int) -> float:
    consumer = _consumer(bootstrap, auth)
    consumer.seek_to_beginning()
    first = 0
    while not first:  # connection set-up and metadata stay outside the timing
        first = sum(map(len, consumer.poll(timeout_ms=1000, max_records=BATCH).values()))
    seen, started = 0, time.perf_counter()
    while first + seen < total:
        for batch in consumer.poll(timeout_ms=1000, max_records=BATCH).values():
            seen += len(batch)
    elapsed = time.perf_counter() - started
    consumer.close()
    return seen / elapsed


def _decode_rate(values: list[bytes]) -> float:
    areas, today = load_areas(), datetime.now(UTC).date()
    started = time.perf_counter()
    for value in values:
        try:
            validate(codec.decode(value), areas=areas, today=today)
        except ContractError:
            continue
    return len(values) / (time.perf_counter() - started)


def _aggregator_rate(
    bootstrap: str, auth: KafkaAuth, client: redis.Redis, total: int
) -> tuple[float, str]:
    prefix = f"bench{int(time.time())}"
    store = RedisStore(client, prefix=prefix)
    buckets = max(1, total // EVENTS_PER_BUCKET)
    spec = GenerationSpec.new(breakdowns=DEFAULT_BREAKDOWNS, buckets=buckets)
    consumer = _consumer(bootstrap, auth)
    aggregator = Aggregator(
        consumer=consumer,
        store=store,
        intake=RecordIntake(areas=load_areas()),
        metrics=AggregateMetrics(),
        topic=TOPIC,
        batch_size=BATCH,
        default_spec=lambda: spec,
    )
    first = 0
    while not first:  # as for the bare consumer: timing starts after the first batch
        first = aggregator.run_once()
    done, started = 0, time.perf_counter()
    while first + done < total:
        done += aggregator.run_once()
    aggregator.settle()  # the last batch has landed in Redis
    elapsed = time.perf_counter() - started
    consumer.close()
    return done / elapsed, prefix


def _bytes_per_event(client: redis.Redis, prefix: str) -> dict[str, float]:
    keys = list(client.scan_iter(match=RedisKeys(prefix).generation("1") + "{s*}:e:*", count=1000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key, samples=0)
        pipe.hlen(key)
    answers = pipe.execute()
    memory, events = sum(answers[0::2]), sum(answers[1::2])
    encodings = {client.object("encoding", k) for k in keys[:50]}
    return {
        "event_states": events,
        "state_bytes_per_event": round(memory / events, 1),
        "state_gib_for_150m_events": round(memory / events * 150e6 / 2**30, 1),
        "state_hash_encoding": ",".join(sorted(e.decode() for e in encodings if e)),
    }


def run(workdir: Path, *, events: int | None = None) -> dict[str, Any]:
    """Start a local Kafka and Redis in ``workdir``, measure, stop them, return the figures."""
    total_wanted = events or int(os.environ.get("VAXSHARE_BENCH_AGGREGATE_EVENTS", "200000"))
    login = bench_login(workdir)
    auth = login.kafka
    redis_server = servers.start_redis(
        workdir / "redis", port=servers.free_port(), acl=login.redis_acl()
    )
    kafka = None
    try:
        kafka = servers.start_kafka(
            workdir / "kafka",
            secrets=login.secrets,
            port=servers.free_port(),
            controller_port=servers.free_port(),
        )
        bootstrap = f"127.0.0.1:{kafka.port}"
        ensure_topics(bootstrap, {TOPIC: PARTITIONS}, auth=auth)
        client = login.redis(redis_server.port)
        values = _prefill(bootstrap, auth, total_wanted)
        total = len(values)
        bare = _bare_rate(bootstrap, auth, total)
        decode = _decode_rate(values)
        rate, prefix = _aggregator_rate(bootstrap, auth, client, total)
        figures: dict[str, Any] = {
            "records": total,
            "bare_consumer_records_per_second": round(bare),
            "decode_validate_records_per_second": round(decode),
            "aggregator_records_per_second": round(rate),
            "aggregator_vs_bare_consumer": round(rate / bare, 3),
            "batch_size": BATCH,
            "breakdowns": len(DEFAULT_BREAKDOWNS),
        }
        figures.update(_bytes_per_event(client, prefix))
        return figures
    finally:
        if kafka is not None:
            servers.stop(kafka.pid)
        servers.stop(redis_server.pid)


def main() -> None:
    """Run the benchmark on its own and print the figures."""
    parser = argparse.ArgumentParser(prog="bench_aggregate")
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vaxshare-bench-") as tmp:
        print(json.dumps(run(Path(tmp), events=args.events), indent=2))


if __name__ == "__main__":
    main()
