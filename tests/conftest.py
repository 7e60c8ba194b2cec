"""Session fixtures: a real Kafka and a real Redis on free ports, secured, isolated per test.

Both run as the local stack does: Kafka over SASL_SSL with SCRAM principals and ACLs, Redis
with one ACL user per service. The certificates and passwords are made once per session.
Each test's topics get the production ACLs under their own names; Redis users are those of
production with `*` for the key prefix, so that every test's prefix is covered.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import pytest
import redis
from redis.cluster import RedisCluster

from devtools.localstack import redis_cluster, runner, servers
from devtools.localstack.credentials import StackSecrets, ensure_secrets
from services.platform.kafka_acls import Principals, apply_grants, grants
from services.platform.kafka_auth import KafkaAuth
from services.platform.kafka_topics import ensure_topics
from services.platform.redis_acls import acl_file

NATIONAL_PUBLISHER = runner.NATIONAL_PUBLISHER


class Servers(Protocol):
    """Where a Kafka and a Redis listen, and the credentials they accept."""

    @property
    def bootstrap(self) -> str: ...

    @property
    def redis_url(self) -> str: ...

    @property
    def secrets(self) -> StackSecrets: ...


@dataclass(frozen=True)
class Stack:
    """The session's Kafka and Redis."""

    kafka: servers.Server
    redis: servers.Server
    kafka_controller_port: int
    secrets: StackSecrets

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka.port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis.port}/0"

    def kafka_auth(self, principal: str = "admin") -> KafkaAuth:
        """Credentials of a Kafka principal (`admin`, the super user, for test tooling)."""
        return self.secrets.kafka_auth(principal)

    def kafka_options(self, principal: str = "admin") -> dict[str, Any]:
        """kafka-python keyword arguments to connect as this principal."""
        return {"bootstrap_servers": self.bootstrap, **self.kafka_auth(principal).kafka_python()}

    def redis_client(self, user: str = "operator", url: str | None = None) -> redis.Redis:
        """A client logged in as this Redis user (`operator`, every key, for test tooling)."""
        return redis_login(self.secrets, user, url or self.redis_url)

    def service_env(self, service: str) -> dict[str, str]:
        """The credential variables of a service's process."""
        return self.secrets.service_env(service)


def redis_login(secrets: StackSecrets, user: str, url: str) -> redis.Redis:
    """A Redis client of `url` logged in as `user`."""
    return redis.Redis.from_url(url, username=user, password=secrets.redis_passwords[user])


def redis_cluster_login(secrets: StackSecrets, user: str, url: str) -> RedisCluster:
    """A Redis Cluster client (seeded with `url`) logged in as `user`."""
    return RedisCluster.from_url(url, username=user, password=secrets.redis_passwords[user])


@dataclass(frozen=True)
class ClusterStack:
    """The session's Kafka with a three-master Redis Cluster in place of the single Redis."""

    bootstrap: str
    cluster: redis_cluster.RedisCluster
    secrets: StackSecrets

    @property
    def redis_url(self) -> str:
        return self.cluster.url

    def redis_client(self, user: str = "operator") -> redis.Redis:
        """A cluster client logged in as this Redis user (it has the commands of Redis)."""
        return cast("redis.Redis", redis_cluster_login(self.secrets, user, self.redis_url))


def redis_acl(secrets: StackSecrets) -> str:
    """The ACL file of a test Redis: production's users, for any key prefix."""
    return acl_file(secrets.redis_passwords, prefix="*")


def grant_topics(bootstrap: str, secrets: StackSecrets, topics: Topics, prefix: str) -> None:
    """Give a test's topics the production ACLs (its aggregators' group is `<prefix>-aggregate`)."""
    apply_grants(
        bootstrap,
        secrets.kafka_auth("admin"),
        grants(
            events_topic=topics.events,
            dlq_topic=topics.dlq,
            aggregate_group=f"{prefix}-aggregate",
            principals=Principals(publishers=(NATIONAL_PUBLISHER,)),
        ),
    )


@pytest.fixture(scope="session")
def stack_secrets(tmp_path_factory: pytest.TempPathFactory) -> StackSecrets:
    """The session's CA, broker certificate and passwords, made once."""
    return ensure_secrets(tmp_path_factory.mktemp("secrets"))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, stack_secrets: StackSecrets) -> Iterator[Stack]:
    """Start Kafka and Redis once for the whole session and stop them at the end."""
    root = tmp_path_factory.mktemp("stack")
    redis_server = servers.start_redis(
        root / "redis", port=servers.free_port(), acl=redis_acl(stack_secrets)
    )
    try:
        controller = servers.free_port()
        kafka = servers.start_kafka(
            root / "kafka",
            secrets=stack_secrets,
            port=servers.free_port(),
            controller_port=controller,
        )
    except BaseException:
        servers.stop(redis_server.pid)
        raise
    started = Stack(
        kafka=kafka, redis=redis_server, kafka_controller_port=controller, secrets=stack_secrets
    )
    yield started
    # Tests may restart a server in place (the Stack then holds the new process): stop those.
    for pid in {kafka.pid, redis_server.pid, started.kafka.pid, started.redis.pid}:
        servers.stop(pid)


@pytest.fixture(scope="session")
def cluster_stack(
    tmp_path_factory: pytest.TempPathFactory, stack: Stack, stack_secrets: StackSecrets
) -> Iterator[ClusterStack]:
    """A Redis Cluster of three masters (production's users on every node), started once for
    the tests that ask for it, beside the session's Kafka."""
    cluster = redis_cluster.start_redis_cluster(
        tmp_path_factory.mktemp("redis-cluster"),
        ports=redis_cluster.free_cluster_ports(3),
        acl=redis_acl(stack_secrets),
    )
    yield ClusterStack(bootstrap=stack.bootstrap, cluster=cluster, secrets=stack_secrets)
    cluster.stop()


@pytest.fixture
def prefix() -> str:
    """A unique name for this test's topics and Redis keys."""
    return f"t{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class Topics:
    """This test's own events and dead-letter topics."""

    events: str
    dlq: str
    partitions: int


@pytest.fixture
def topics(stack: Stack, prefix: str) -> Topics:
    """Create an events topic (4 partitions) and a dead-letter topic private to the test."""
    t = Topics(
        events=f"{prefix}.vaccination-events", dlq=f"{prefix}.vaccination-events.dlq", partitions=4
    )
    grant_topics(stack.bootstrap, stack.secrets, t, prefix)
    ensure_topics(
        stack.bootstrap, {t.events: t.partitions, t.dlq: 1}, auth=stack.kafka_auth("operator")
    )
    return t


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave files for people to look at (screenshots, logs)."""
    path = Path(__file__).parent / "artifacts"
    path.mkdir(exist_ok=True)
    return path
