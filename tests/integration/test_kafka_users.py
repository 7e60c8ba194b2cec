"""`vaxshare kafka-users`: an operator adds a national system, rotates its password, removes it.

Against the session's real broker, on a cluster already running: the new principal may write
the events topic and nothing more, an old password stops working, a removed one cannot log in.
"""

from __future__ import annotations

import io
import re
import uuid

import pytest
from confluent_kafka import KafkaError, Producer
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import (
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.errors import TopicAuthorizationFailedError
from pydantic import SecretStr

from services.platform.kafka_auth import KafkaAuth
from services.platform.kafka_users_cli import main
from tests.conftest import Stack, Topics

pytestmark = pytest.mark.usefixtures("quiet_kafka_client")


@pytest.fixture
def as_admin(stack: Stack, topics: Topics, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment of an administrator running the command for this test's topics."""
    for name, value in {
        **stack.service_env("operator"),
        "VAXSHARE_KAFKA_BOOTSTRAP": stack.bootstrap,
        "VAXSHARE_KAFKA_USERNAME": "admin",
        "VAXSHARE_KAFKA_PASSWORD": stack.secrets.kafka_passwords["admin"],
        "VAXSHARE_EVENTS_TOPIC": topics.events,
        "VAXSHARE_DLQ_TOPIC": topics.dlq,
    }.items():
        monkeypatch.setenv(name, value)


def _printed_password(out: str) -> SecretStr:
    found = re.search(r"^password \(shown once.*\): (\S+)$", out, re.MULTILINE)
    assert found, out
    return SecretStr(found.group(1))


def _write(stack: Stack, auth: KafkaAuth, topic: str) -> KafkaError | None:
    """Write one record with librdkafka; the error that stopped it, if any."""
    errors: list[KafkaError] = []
    producer = Producer(
        {
            "bootstrap.servers": stack.bootstrap,
            "message.timeout.ms": 8000,
            "error_cb": errors.append,
            **auth.librdkafka(),
        }
    )
    producer.produce(
        topic, b"record", on_delivery=lambda err, _msg: errors.append(err) if err else None
    )
    producer.flush(15)
    return errors[0] if errors else None


def _can_read(stack: Stack, auth: KafkaAuth, topic: str) -> bool:
    consumer = KafkaConsumer(
        bootstrap_servers=stack.bootstrap, enable_auto_commit=False, **auth.kafka_python()
    )
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    try:
        for _ in range(20):
            if consumer.poll(timeout_ms=500):
                return True
    except TopicAuthorizationFailedError:
        return False
    finally:
        consumer.close()
    return True


def _acls_of(stack: Stack, principal: str) -> list[object]:
    admin = KafkaAdminClient(**stack.kafka_options())
    try:
        acls, _ = admin.describe_acls(
            ACLFilter(
                principal=f"User:{principal}",
                host=None,
                operation=ACLOperation.ANY,
                permission_type=ACLPermissionType.ANY,
                resource_pattern=ResourcePatternFilter(
                    ResourceType.ANY, None, ACLResourcePatternType.ANY
                ),
            )
        )
    finally:
        admin.close()
    return list(acls)


@pytest.mark.usefixtures("as_admin")
def test_a_new_national_system_writes_events_cannot_read_them_and_is_gone_once_removed(
    stack: Stack, topics: Topics, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"national-{uuid.uuid4().hex[:8]}"
    assert main(["add", name]) == 0
    first = KafkaAuth(name, _printed_password(capsys.readouterr().out), stack.secrets.ca_file)

    assert _write(stack, first, topics.events) is None
    assert not _can_read(stack, first, topics.events), "a publisher read person-level records"
    refused = _write(stack, first, topics.dlq)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED

    assert main(["remove", name]) == 0
    assert "removed" in capsys.readouterr().out
    gone = _write(stack, first, topics.events)
    assert gone is not None and gone.code() == KafkaError._AUTHENTICATION
    assert _acls_of(stack, name) == [], "a later principal of that name would inherit them"


@pytest.mark.usefixtures("as_admin")
def test_a_rotated_password_replaces_the_old_one_at_once(
    stack: Stack,
    topics: Topics,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = f"national-{uuid.uuid4().hex[:8]}"
    assert main(["add", name]) == 0
    old = KafkaAuth(name, _printed_password(capsys.readouterr().out), stack.secrets.ca_file)

    monkeypatch.setattr("sys.stdin", io.StringIO("from-the-secret-store-0123456789\n"))
    assert main(["rotate", name, "--password-stdin"]) == 0
    assert "shown once" not in capsys.readouterr().out, "a given password is never echoed"
    new = KafkaAuth(name, SecretStr("from-the-secret-store-0123456789"), stack.secrets.ca_file)

    assert _write(stack, new, topics.events) is None
    refused = _write(stack, old, topics.events)
    assert refused is not None and refused.code() == KafkaError._AUTHENTICATION
    assert main(["remove", name]) == 0


@pytest.mark.usefixtures("as_admin")
def test_adding_twice_or_rotating_a_stranger_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = f"national-{uuid.uuid4().hex[:8]}"
    assert main(["rotate", name]) == 1
    assert "add it first" in capsys.readouterr().err
    assert main(["add", "ingest"]) == 1  # a service's principal: the operator meant rotate
    assert "exists already" in capsys.readouterr().err
    assert main(["add", "User:someone"]) == 1
    assert "not a principal name" in capsys.readouterr().err
