"""A release cut while the aggregator is behind is held with the reason, never published."""

from __future__ import annotations

import redis
from kafka import KafkaProducer

from devtools.simulator.simulator import SimulationConfig, Simulator
from services.contract import codec
from services.platform.release_store import ReleaseStore
from services.reference.areas import load_areas
from services.release.bootstrap import release_builder
from services.release.settings import ReleaseSettings
from services.releases.model import ReleaseStatus
from tests.conftest import Stack, Topics


def test_release_with_unconsumed_partitions_is_held(
    stack: Stack, topics: Topics, prefix: str
) -> None:
    feed = Simulator(SimulationConfig(areas=("E09000013",), scale=0.001, with_nhs_numbers=False))
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    for record in feed.records()[:200]:
        if record.valid:
            producer.send(
                topics.events,
                key=record.event.person_key.encode(),
                value=codec.encode(record.event),
            )
    producer.flush()
    producer.close()

    client = redis.Redis.from_url(stack.redis_url)
    settings = ReleaseSettings(
        kafka_bootstrap=stack.bootstrap,
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
    assert not client.exists(f"{prefix}:barrier"), "the barrier is lifted after the cut"
