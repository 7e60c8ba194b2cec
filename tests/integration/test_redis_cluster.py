"""The pipeline on a Redis Cluster of three masters, each service logged in as its own user.

Aggregators count a simulated feed (duplicates, corrections, retractions, invalid records)
while one of them is killed with SIGKILL mid-feed and restarted; the counts on the cluster must
equal the simulator's ground truth in every cell. A release is cut from counts on the cluster
and a council reads it through the API, all with `VAXSHARE_REDIS_CLUSTER` set.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import redis

from services.api.app import create_app
from services.api.settings import ApiSettings
from services.disclosure.registry import get_policy
from services.platform.key_store import KeyStore
from services.platform.redis_client import connect
from services.reference.areas import load_areas
from services.release.bootstrap import release_builder
from services.release.counts_reader import CountsReader
from services.release.settings import ReleaseSettings
from services.releases.model import ReleaseStatus
from tests.conftest import ClusterStack, Topics
from tests.integration.aggregate_harness import (
    Aggregators,
    FeedPublisher,
    assert_counted_exactly,
    count_to_end,
    kill_and_restart,
    publish,
    simulation,
    wait_until_counted,
)
from tests.unit.api.live_server import serve

pytestmark = pytest.mark.slow
HAMMERSMITH, BRENT = "E09000013", "E09000005"
BREAKDOWNS = "none,sex"  # counted through the kills (the release test counts them all)


def _on_the_cluster(
    cluster_stack: ClusterStack, topics: Topics, prefix: str, logs: Path, **env: str
) -> tuple[Aggregators, CountsReader]:
    """Aggregator processes counting into the cluster, and a reader of their counts."""
    aggregators = Aggregators(
        cluster_stack, topics, prefix, logs, VAXSHARE_REDIS_CLUSTER="true", **env
    )
    return aggregators, CountsReader(cluster_stack.redis_client(), prefix=prefix)


def test_a_feed_counted_on_a_cluster_through_a_kill_is_exact(
    cluster_stack: ClusterStack, topics: Topics, prefix: str, tmp_path: Path
) -> None:
    simulator = simulation(0.035)
    records = simulator.records()
    aggregators, reader = _on_the_cluster(
        cluster_stack,
        topics,
        prefix,
        tmp_path,
        VAXSHARE_AGGREGATE_BATCH_SIZE="700",
        VAXSHARE_AGGREGATE_BREAKDOWNS=BREAKDOWNS,
    )
    progress_at_kills: list[int] = []
    rng = random.Random(19)
    try:
        processes = [aggregators.start(), aggregators.start()]
        feed = FeedPublisher(cluster_stack, topics.events, records, chunk=5_000).start()
        for point in (len(records) // 4, len(records) // 2):
            progress = kill_and_restart(
                aggregators, processes, reader, beyond=point, rng=rng, victim=0
            )
            progress_at_kills.append(progress)
        published = feed.join()
        wait_until_counted(cluster_stack, topics.events, reader, timeout=120)
    finally:
        aggregators.kill_all()
    assert all(0 < p < len(records) for p in progress_at_kills), "killed mid-feed"
    assert_counted_exactly(
        reader,
        simulator,
        breakdowns=tuple(BREAKDOWNS.split(",")),
        published=published,  # each record taken in exactly once
        dead_lettered=True,
    )
    assert _masters_holding(cluster_stack, prefix) >= 2, "the counts are spread over the cluster"


def test_counts_on_a_cluster_are_released_and_read_by_a_council(
    cluster_stack: ClusterStack, topics: Topics, prefix: str, tmp_path: Path
) -> None:
    # A borough-sized feed, released as of its last day (as the end-to-end test does).
    simulator = simulation(0.004, (HAMMERSMITH, BRENT))
    publish(cluster_stack, topics.events, simulator.records())
    aggregators, reader = _on_the_cluster(cluster_stack, topics, prefix, tmp_path)
    assert count_to_end(aggregators, cluster_stack, topics.events, reader) == [0]
    release_id = _release(cluster_stack, topics, prefix, as_of=simulator.config.end)
    _council_reads_the_release(
        cluster_stack, prefix, release_id, simulator.expected_counts().counts
    )


def _masters_holding(cluster_stack: ClusterStack, prefix: str) -> int:
    """How many masters hold keys of this test."""
    holding = 0
    for node in cluster_stack.cluster.nodes:
        single = redis.Redis(
            port=node.port,
            username="operator",
            password=cluster_stack.secrets.redis_passwords["operator"],
        )
        holding += any(True for _ in single.scan_iter(match=f"{prefix}:*", count=1000))
        single.close()
    return holding


def _release(cluster_stack: ClusterStack, topics: Topics, prefix: str, *, as_of: date) -> int:
    settings = ReleaseSettings(
        kafka_bootstrap=cluster_stack.bootstrap,
        **cluster_stack.secrets.service_settings("release"),
        redis_url=cluster_stack.redis_url,
        redis_cluster=True,
        redis_prefix=prefix,
        events_topic=topics.events,
        dlq_topic=topics.dlq,
        release_wait_seconds=30.0,
    )
    client = connect(settings)  # as the release service's own user
    meta = release_builder(client, settings=settings, areas=load_areas()).create(
        as_of=as_of, publish=True
    )
    client.close()
    assert meta.status is ReleaseStatus.PUBLISHED, meta.held_reasons
    return meta.id


def _council_reads_the_release(
    cluster_stack: ClusterStack,
    prefix: str,
    release_id: int,
    expected: dict[tuple[str, date, int, str, str], int],
) -> None:
    config = ApiSettings(
        redis_url=cluster_stack.redis_url,
        redis_cluster=True,
        redis_prefix=prefix,
        **cluster_stack.secrets.service_settings("api"),
    )
    operator = cluster_stack.redis_client()
    key, _ = KeyStore(operator, prefix=prefix).create("council", "H&F", (HAMMERSMITH,))
    app_client = connect(config)
    app = create_app(
        settings=config,
        redis_client=app_client,
        areas=load_areas(),
        clock=lambda: datetime.now(UTC),
    )
    try:
        with serve(app) as base_url:
            answer = httpx.get(
                f"{base_url}/v1/areas/{HAMMERSMITH}/vaccinations",
                params={"dose": 1, "breakdown": "none"},
                headers={"Authorization": f"Bearer {key}"},
                timeout=60,
            )
    finally:
        app_client.close()
        operator.close()
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert body["release"]["id"] == release_id
    policy = get_policy("nhs-digital")
    truth, shown = 0, 0
    for row in body["rows"]:
        truth += expected.get((HAMMERSMITH, date.fromisoformat(row["date"]), 1, "none", "all"), 0)
        if row["cumulative"] is not None:
            step = policy.bases.index(row["rounded_to"])
            assert row["cumulative"] == policy.publish_value(truth, step), (row, truth)
            shown += 1
    assert shown, "the council sees its published figures"
