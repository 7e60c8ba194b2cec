"""The local Kafka and Redis are real servers that behave like production ones."""

from __future__ import annotations

import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from devtools.localstack import servers
from tests.conftest import Stack, Topics, redis_acl


def test_records_flow_through_kafka_partitions_with_a_consumer_group(
    stack: Stack, topics: Topics, prefix: str
) -> None:
    producer = KafkaProducer(
        **stack.kafka_options("ingest"), acks="all", enable_idempotence=True, linger_ms=5
    )
    sent = {f"person-{i}".encode(): f"event-{i}".encode() for i in range(200)}
    for key, value in sent.items():
        producer.send(topics.events, key=key, value=value)
    producer.flush()
    producer.close()

    consumer = KafkaConsumer(
        topics.events,
        **stack.kafka_options("aggregate"),
        group_id=f"{prefix}-aggregate",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    received: dict[bytes, bytes] = {}
    partitions: set[int] = set()
    deadline = time.monotonic() + 60
    while len(received) < len(sent) and time.monotonic() < deadline:
        for tp, records in consumer.poll(timeout_ms=500).items():
            partitions.add(tp.partition)
            for record in records:
                received[record.key] = record.value
    consumer.commit()
    committed = sum(
        consumer.committed(TopicPartition(topics.events, p)) or 0 for p in range(topics.partitions)
    )
    consumer.close()

    assert received == sent
    assert partitions == set(range(topics.partitions)), "keys should spread over every partition"
    assert committed == len(sent), "the group's committed offsets cover every record"


def test_redis_keeps_appended_data_across_a_restart(stack: Stack, prefix: str) -> None:
    client = stack.redis_client()
    client.hset(f"{prefix}:counts", mapping={"E09000013|2021-01-04|1": 42})
    client.incrby(f"{prefix}:total", 7)
    client.close()

    servers.stop(stack.redis.pid)
    restarted = servers.start_redis(
        stack.redis.data_dir, port=stack.redis.port, acl=redis_acl(stack.secrets)
    )
    object.__setattr__(stack, "redis", restarted)  # later tests use the new process

    client = stack.redis_client()
    assert client.hget(f"{prefix}:counts", "E09000013|2021-01-04|1") == b"42"
    assert client.get(f"{prefix}:total") == b"7"
    client.close()
