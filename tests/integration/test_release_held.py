"""A release cut while the aggregator is behind is held with the reason, never published; a
builder killed mid-build leaves a release the next release command marks failed."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from kafka import KafkaProducer

from devtools.simulator.simulator import SimulationConfig, Simulator
from services.contract import codec
from services.platform.redis_keys import RedisKeys
from services.platform.release_store import ReleaseStore
from services.reference.areas import load_areas
from services.release.bootstrap import release_builder
from services.release.settings import ReleaseSettings
from services.releases.model import ReleaseStatus
from tests.conftest import NATIONAL_PUBLISHER, Stack, Topics


def _feed(stack: Stack, topics: Topics) -> None:
    feed = Simulator(SimulationConfig(areas=("E09000013",), scale=0.001, with_nhs_numbers=False))
    producer = KafkaProducer(**stack.kafka_options(NATIONAL_PUBLISHER), acks="all")
    for record in feed.records()[:200]:
        if record.valid:
            producer.send(
                topics.events,
                key=record.event.person_key.encode(),
                value=codec.encode(record.event),
            )
    producer.flush()
    producer.close()


def test_release_with_unconsumed_partitions_is_held(
    stack: Stack, topics: Topics, prefix: str
) -> None:
    _feed(stack, topics)

    client = stack.redis_client()
    settings = ReleaseSettings(
        kafka_bootstrap=stack.bootstrap,
        **stack.secrets.service_settings("release"),
        redis_url=stack.redis_url,
        redis_prefix=prefix,
        events_topic=topics.events,
        dlq_topic=topics.dlq,
        release_wait_seconds=1.0,
        aggregate_breakdowns="none,sex",
    )
    builder = release_builder(client, settings=settings, areas=load_areas())
    meta = builder.create(publish=True)  # no aggregator is running: nothing was counted

    assert meta.status is ReleaseStatus.HELD
    failed = {c.name: c.detail for c in meta.checks if not c.passed}
    assert "consumed_to_cut" in failed
    assert "unconsumed partitions" in failed["consumed_to_cut"]
    assert any(r.startswith("consumed_to_cut") for r in meta.held_reasons)
    store = ReleaseStore(client, prefix=prefix)
    assert store.latest_published() is None, "councils must never see a held release"
    assert not client.exists(RedisKeys(prefix).barrier), "the barrier is lifted after the cut"


def test_a_builder_killed_mid_build_leaves_a_release_the_next_command_marks_failed(
    stack: Stack, topics: Topics, prefix: str
) -> None:
    _feed(stack, topics)  # no aggregator runs: the build waits at its cut, barrier up
    env = {
        **os.environ,
        "VAXSHARE_KAFKA_BOOTSTRAP": stack.bootstrap,
        "VAXSHARE_REDIS_URL": stack.redis_url,
        "VAXSHARE_REDIS_PREFIX": prefix,
        "VAXSHARE_EVENTS_TOPIC": topics.events,
        "VAXSHARE_DLQ_TOPIC": topics.dlq,
        "VAXSHARE_AGGREGATE_BREAKDOWNS": "none",
        "VAXSHARE_RELEASE_WAIT_SECONDS": "300",
        "VAXSHARE_RELEASE_LEASE_SECONDS": "1",
        **stack.service_env("operator"),
    }
    release = [sys.executable, "-m", "services.cli", "release"]
    client = stack.redis_client()
    keys, store = RedisKeys(prefix), ReleaseStore(client, prefix=prefix)
    builder = subprocess.Popen([*release, "create"], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not client.exists(keys.barrier):
            assert builder.poll() is None, "the build ended before its cut"
            assert time.monotonic() < deadline, "the build never raised its barrier"
            time.sleep(0.1)
        time.sleep(2)  # lease renewals: a live build of any length is never taken as stuck
        listed = subprocess.run([*release, "list"], env=env, capture_output=True, text=True)
        assert listed.returncode == 0 and "building" in listed.stdout, listed.stderr
    finally:
        builder.kill()
        builder.wait()

    (meta,) = store.all()
    assert meta.status is ReleaseStatus.BUILDING and client.exists(keys.barrier)
    time.sleep(1.5)  # the dead builder's lease lapses
    listed = subprocess.run([*release, "list"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert f"release {meta.id}: failed (the build stopped before it finished" in listed.stderr
    assert f"{meta.id:>5}  failed" in listed.stdout
    failed = store.get(meta.id)
    assert failed is not None and failed.status is ReleaseStatus.FAILED
    assert not client.exists(keys.barrier), "the aggregators may count past the dead cut"
    assert store.latest_published() is None
    refused = subprocess.run(
        [*release, "publish", str(meta.id)], env=env, capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "it is failed; only a draft or held release can be published" in refused.stderr


def test_the_release_command_follows_the_operator_api_rules(
    stack: Stack, topics: Topics, prefix: str
) -> None:
    settings = ReleaseSettings(
        kafka_bootstrap=stack.bootstrap,
        **stack.secrets.service_settings("release"),
        redis_url=stack.redis_url,
        redis_prefix=prefix,
        events_topic=topics.events,
        dlq_topic=topics.dlq,
        release_wait_seconds=1.0,
        aggregate_breakdowns="none",
    )
    client = stack.redis_client()
    held = release_builder(client, settings=settings, areas=load_areas()).create()
    assert held.status is ReleaseStatus.HELD  # nothing counted: a check an operator may review
    env = {
        **os.environ,
        "VAXSHARE_REDIS_URL": stack.redis_url,
        "VAXSHARE_REDIS_PREFIX": prefix,
        "VAXSHARE_KAFKA_BOOTSTRAP": stack.bootstrap,
        **stack.service_env("operator"),
    }

    def release(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "services.cli", "release", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True)

    reviewed = release("publish", str(held.id))
    assert reviewed.returncode == 0 and f"release {held.id}: published" in reviewed.stdout
    again = release("publish", str(held.id))
    assert again.returncode == 1 and "already published" in again.stderr
    hold = release("hold", str(held.id), "--reason", "too late")
    assert hold.returncode == 1 and "immutable" in hold.stderr
    assert release("publish", "99").returncode == 1
