"""Kafka and Redis let in only known clients, and each only as far as its role needs.

Against the session's real broker (SASL_SSL, SCRAM-SHA-512, StandardAuthorizer, the
production ACLs on this test's topics) and real Redis (one ACL user per service).
"""

from __future__ import annotations

from typing import Any

import pytest
import redis
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError as ClientError
from kafka.errors import TopicAuthorizationFailedError

from services.platform.redis_keys import RedisKeys
from services.release.cut import end_offsets
from tests.conftest import NATIONAL_PUBLISHER, Stack, Topics

pytestmark = pytest.mark.usefixtures("quiet_kafka_client")


def _librdkafka_admin(stack: Stack, **config: Any) -> AdminClient:
    return AdminClient(
        {
            "bootstrap.servers": stack.bootstrap,
            "ssl.ca.location": str(stack.secrets.ca_file),
            "socket.timeout.ms": 3000,
            **config,
        }
    )


def test_a_client_without_credentials_is_refused(stack: Stack) -> None:
    for protocol in ("PLAINTEXT", "SSL"):  # no SASL login at all, in clear or over TLS
        admin = _librdkafka_admin(stack, **{"security.protocol": protocol})
        with pytest.raises(KafkaException):
            admin.list_topics(timeout=5)


def test_a_wrong_password_is_refused(stack: Stack) -> None:
    own = stack.kafka_auth(NATIONAL_PUBLISHER).librdkafka()
    errors: list[KafkaError] = []
    admin = _librdkafka_admin(
        stack, **{**own, "sasl.password": "not-the-password", "error_cb": errors.append}
    )
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=5)
    admin.poll(1)  # serves the error callbacks
    assert any(e.code() == KafkaError._AUTHENTICATION for e in errors), errors


def test_the_right_password_is_let_in(stack: Stack, topics: Topics) -> None:
    admin = _librdkafka_admin(stack, **stack.kafka_auth(NATIONAL_PUBLISHER).librdkafka())
    assert topics.events in admin.list_topics(timeout=10).topics


def test_a_publisher_writes_events_but_cannot_read_them(stack: Stack, topics: Topics) -> None:
    producer = KafkaProducer(**stack.kafka_options(NATIONAL_PUBLISHER), acks="all")
    producer.send(topics.events, key=b"person", value=b"record").get(timeout=30)
    producer.close()

    consumer = KafkaConsumer(**stack.kafka_options(NATIONAL_PUBLISHER), enable_auto_commit=False)
    partition = TopicPartition(topics.events, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            for _ in range(20):
                assert not consumer.poll(timeout_ms=500), "a publisher read person-level records"
    finally:
        consumer.close()


def test_a_publisher_cannot_write_the_dead_letters_or_delete_a_topic(
    stack: Stack, topics: Topics
) -> None:
    producer = KafkaProducer(
        **stack.kafka_options(NATIONAL_PUBLISHER), acks="all", max_block_ms=5000
    )
    with pytest.raises(ClientError):
        producer.send(topics.dlq, value=b"forged").get(timeout=10)
    producer.close()

    admin = KafkaAdminClient(**stack.kafka_options(NATIONAL_PUBLISHER))
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            admin.delete_topics([topics.events], timeout_ms=10000)
    finally:
        admin.close()
    owner = KafkaAdminClient(**stack.kafka_options())
    assert topics.events in owner.list_topics(), "the topic is still there"
    owner.close()


def test_the_release_reads_end_offsets_but_no_record(stack: Stack, topics: Topics) -> None:
    assert end_offsets(stack.bootstrap, topics.events, stack.kafka_auth("release")) == {
        p: 0 for p in range(topics.partitions)
    }
    consumer = KafkaConsumer(**stack.kafka_options("release"), enable_auto_commit=False)
    consumer.assign([TopicPartition(topics.events, 0)])
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            for _ in range(20):
                consumer.poll(timeout_ms=500)
    finally:
        consumer.close()


def test_the_aggregator_cannot_join_another_group(stack: Stack, topics: Topics) -> None:
    consumer = KafkaConsumer(
        topics.events, **stack.kafka_options("aggregate"), group_id="someone-elses-group"
    )
    try:
        with pytest.raises(ClientError):  # GroupAuthorizationFailedError
            for _ in range(20):
                consumer.poll(timeout_ms=500)
    finally:
        consumer.close()


def _redis(stack: Stack, **login: str) -> redis.Redis:
    return redis.Redis.from_url(stack.redis_url, **login)  # type: ignore[arg-type]


def test_redis_refuses_a_client_without_credentials_or_with_a_wrong_password(
    stack: Stack,
) -> None:
    anonymous = _redis(stack)
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    anonymous.close()
    wrong = _redis(stack, username="api", password="not-the-password")
    with pytest.raises(redis.AuthenticationError):
        wrong.ping()
    wrong.close()
    default = _redis(stack, username="default", password="")
    with pytest.raises(redis.AuthenticationError):
        default.ping()
    default.close()


def test_the_api_cannot_write_a_count_and_the_ingest_cannot_read_one(
    stack: Stack, prefix: str
) -> None:
    keys = RedisKeys(prefix)
    count = keys.counts("1", 0, "E09000013", 1, "none")
    operator = stack.redis_client()
    operator.hset(count, "2021-03-01|all", 40)
    api, ingest = stack.redis_client("api"), stack.redis_client("ingest")
    try:
        with pytest.raises(redis.exceptions.NoPermissionError):
            api.hincrby(count, "2021-03-01|all", 1)
        with pytest.raises(redis.exceptions.NoPermissionError):
            api.hget(count, "2021-03-01|all")
        with pytest.raises(redis.exceptions.NoPermissionError):
            ingest.hget(count, "2021-03-01|all")
        with pytest.raises(redis.exceptions.NoPermissionError):
            api.hset(keys.release_tables(1), "E09000013|1|none", "{}")  # published: immutable
        with pytest.raises(redis.exceptions.NoPermissionError):
            api.flushdb()
        assert operator.hget(count, "2021-03-01|all") == b"40"
        # What each needs works: the API reads tables, the ingest counts dead letters.
        operator.hset(keys.release_tables(1), "E09000013|1|none", "{}")
        assert api.hget(keys.release_tables(1), "E09000013|1|none") == b"{}"
        assert ingest.hincrby(keys.dead_letter_counts, "ingest|undecodable", 1) == 1
    finally:
        for client in (operator, api, ingest):
            client.close()
