"""Who may do what on Kafka: the least-privilege ACLs of every principal, and granting them.

The broker runs the StandardAuthorizer, which refuses whatever no ACL allows. `grants` is
the whole policy as data (READ and WRITE imply DESCRIBE):

- the ingest writes the events and the dead-letter topics;
- a national system writes the events topic and nothing else;
- the aggregators read the events topic as their consumer group and write dead letters;
- the release reads the events topic's end offsets (DESCRIBE), never a record;
- the operators' tooling creates (and describes) the two topics.

Nobody else reads person-level records, and nobody but an administrator may delete a topic
or change an ACL. `apply_grants` and `revoke_all` are run by that administrator
(`vaxshare kafka-acls`, `vaxshare kafka-users`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.errors import KafkaError

from services.platform.errors import TopicError
from services.platform.kafka_auth import KafkaAuth


@dataclass(frozen=True, slots=True)
class Grant:
    """One principal allowed one operation on one topic or consumer group."""

    principal: str
    operation: str  # READ, WRITE, DESCRIBE or CREATE
    resource: str  # TOPIC or GROUP
    name: str


@dataclass(frozen=True, slots=True)
class Principals:
    """The Kafka user each role connects as (national publishers: one each)."""

    ingest: str = "ingest"
    aggregate: str = "aggregate"
    release: str = "release"
    operator: str = "operator"
    publishers: tuple[str, ...] = ()


def grants(
    *, events_topic: str, dlq_topic: str, aggregate_group: str, principals: Principals
) -> list[Grant]:
    """Every ACL the service needs, and no more."""
    p = principals
    table = [
        Grant(p.ingest, "WRITE", "TOPIC", events_topic),
        Grant(p.ingest, "WRITE", "TOPIC", dlq_topic),
        Grant(p.aggregate, "READ", "TOPIC", events_topic),
        Grant(p.aggregate, "READ", "GROUP", aggregate_group),
        Grant(p.aggregate, "WRITE", "TOPIC", dlq_topic),
        Grant(p.release, "DESCRIBE", "TOPIC", events_topic),
    ]
    for topic in (events_topic, dlq_topic):
        table += [
            Grant(p.operator, "CREATE", "TOPIC", topic),
            Grant(p.operator, "DESCRIBE", "TOPIC", topic),
        ]
    for publisher in p.publishers:
        table += publisher_grants(publisher, events_topic=events_topic)
    return table


def publisher_grants(publisher: str, *, events_topic: str) -> list[Grant]:
    """A national system's ACLs: write the events topic, nothing else."""
    return [Grant(publisher, "WRITE", "TOPIC", events_topic)]


def _acl(grant: Grant) -> ACL:
    return ACL(
        principal=f"User:{grant.principal}",
        host="*",
        operation=ACLOperation[grant.operation],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(
            ResourceType[grant.resource], grant.name, ACLResourcePatternType.LITERAL
        ),
    )


def _key(acl: ACL) -> tuple[str, int, int, str]:
    pattern = acl.resource_pattern
    return acl.principal, int(acl.operation), int(pattern.resource_type), pattern.resource_name


def _every(principal: str | None) -> ACLFilter:
    return ACLFilter(
        principal=principal,
        host=None,
        operation=ACLOperation.ANY,
        permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
    )


def apply_grants(
    bootstrap: str, admin: KafkaAuth, table: Iterable[Grant], *, timeout: float = 15.0
) -> int:
    """Create these ACLs (existing ones stay) and wait until the broker enforces them.

    The broker learns ACLs from the metadata log a moment after they are created: a client
    that came at once could still be refused. Returns how many were asked for.
    """
    acls = [_acl(grant) for grant in table]
    wanted = {_key(acl) for acl in acls}
    every = _every(None)
    with _admin_client(bootstrap, admin, "grant the Kafka ACLs") as client:
        result = client.create_acls(acls)
        if result["failed"]:
            acl, error = result["failed"][0]
            raise TopicError(f"Kafka refused an ACL ({acl}): {error}")
        _wait_until(
            lambda: not wanted - {_key(acl) for acl in client.describe_acls(every)[0]},
            timeout,
            f"the broker at {bootstrap} did not apply the ACLs in time",
        )
    return len(acls)


def revoke_all(bootstrap: str, admin: KafkaAuth, principal: str, *, timeout: float = 15.0) -> int:
    """Delete every ACL of this principal and wait until the broker has none; return how many."""
    mine = _every(f"User:{principal}")
    with _admin_client(bootstrap, admin, f"revoke the ACLs of {principal}") as client:
        ((_, deleted, error),) = client.delete_acls([mine])
        if error is not None and error.errno:
            raise TopicError(f"Kafka refused to delete the ACLs of {principal}: {error}")
        _wait_until(
            lambda: not client.describe_acls(mine)[0],
            timeout,
            f"the broker at {bootstrap} still has ACLs of {principal}",
        )
    return len(deleted)


@contextmanager
def _admin_client(bootstrap: str, admin: KafkaAuth, doing: str) -> Iterator[KafkaAdminClient]:
    """An admin client, closed afterwards; a Kafka error becomes a TopicError naming ``doing``."""
    client = KafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15000, **admin.kafka_python()
    )
    try:
        yield client
    except KafkaError as exc:
        raise TopicError(f"could not {doing} on {bootstrap}: {exc}") from exc
    finally:
        client.close()


def _wait_until(done: Callable[[], bool], timeout: float, late: str) -> None:
    """Poll until ``done``: the broker applies ACL changes a moment after it accepts them."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TopicError(late)
        time.sleep(0.05)
