"""Kafka restarted under a live feed: nothing acknowledged is lost and every event counts once.

A publisher posts batches continuously through the ingest's HTTP API while an aggregator
counts the topic. The (private) broker is stopped mid-stream and restarted in place: the
ingest answers 503 `kafka_unavailable` while it is down and accepts again after; the
publisher sends each refused batch again, as `Retry-After` asks; the aggregator resumes by
itself and every event the ingest reported accepted is counted exactly once.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.localstack import servers as local_stack
from devtools.localstack.credentials import StackSecrets
from devtools.simulator.expected_counts import ExpectedCounts
from services.contract.codec import decode
from services.contract.events import VaccinationEvent
from services.platform.kafka_topics import ensure_topics
from services.release.counts_reader import CountsReader
from tests.conftest import Stack, Topics, grant_topics
from tests.integration.aggregate_harness import (
    Aggregators,
    differences,
    redis_counts,
    wait_for_progress,
    wait_until_counted,
)
from tests.integration.ingest_harness import (
    HAMMERSMITH,
    build_ingest,
    event_json,
    read_topic,
    serve,
)

pytestmark = pytest.mark.slow
BATCH = 25
MAX_POSTS = 20_000  # bounds the publisher's loop; the test stops it long before
FIRST_DAY = date(2021, 1, 4)


@dataclass(frozen=True)
class PrivateServers:
    """A broker of this test's own with the session's Redis."""

    bootstrap: str
    redis_url: str
    secrets: StackSecrets


@dataclass
class Publisher:
    """Posts batches of valid events until stopped, sending a refused batch again."""

    client: httpx.Client
    auth: dict[str, str]
    stop: threading.Event = field(default_factory=threading.Event)
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    refusals: list[httpx.Response] = field(default_factory=list)
    rejected: int = 0
    error: BaseException | None = None

    def run(self) -> None:
        """The publisher's loop (in a thread); an exception is kept for the test to raise."""
        rng = random.Random(11)
        try:
            for n in range(MAX_POSTS):
                if self.stop.is_set():
                    return
                self._post_until_accepted(
                    [self._event(rng, f"restart-{n}-{i}") for i in range(BATCH)]
                )
        except BaseException as exc:
            self.error = exc

    def _event(self, rng: random.Random, event_id: str) -> dict[str, Any]:
        day = FIRST_DAY + timedelta(days=rng.randrange(50))
        return event_json(
            event_id, vaccination_date=day.isoformat(), dose_number=rng.choice((1, 2))
        )

    def _post_until_accepted(self, batch: list[dict[str, Any]]) -> None:
        # Even once told to stop: a refused batch may still have reached Kafka, and only
        # sending it again until it is accepted makes what was accepted the whole feed.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            answer = self.client.post("/v1/events", json=batch, headers=self.auth)
            self.statuses[answer.status_code] += 1
            if answer.status_code == 503:
                self.refusals.append(answer)
                time.sleep(float(answer.headers.get("retry-after", "1")))
                continue
            answer.raise_for_status()
            for result in answer.json()["results"]:
                if result["status"] == "accepted":
                    self.accepted[result["event_id"]] = batch[result["index"]]
                else:
                    self.rejected += 1
            return
        raise AssertionError("a batch was refused for three minutes")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    """Wait until the condition holds, or fail saying what never happened."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.1)


@pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")
@pytest.mark.usefixtures("quiet_kafka_client")
def test_kafka_restarted_mid_stream_loses_nothing_accepted_and_counts_stay_exact(
    stack: Stack, prefix: str, tmp_path: Path
) -> None:
    port, controller = local_stack.free_port(), local_stack.free_port()
    kafka = local_stack.start_kafka(
        tmp_path / "kafka", secrets=stack.secrets, port=port, controller_port=controller
    )
    servers = PrivateServers(f"127.0.0.1:{port}", stack.redis_url, stack.secrets)
    topics = Topics(events=f"{prefix}.events", dlq=f"{prefix}.dlq", partitions=4)
    aggregators = Aggregators(
        servers, topics, prefix, tmp_path, VAXSHARE_AGGREGATE_BATCH_SIZE="500"
    )
    client = stack.redis_client()
    reader = CountsReader(client, prefix=prefix)
    try:
        grant_topics(servers.bootstrap, stack.secrets, topics, prefix)
        ensure_topics(
            servers.bootstrap,
            {topics.events: topics.partitions, topics.dlq: 1},
            auth=stack.kafka_auth("operator"),
        )
        ingest = build_ingest(
            servers,
            prefix=prefix,
            events_topic=topics.events,
            dlq_topic=topics.dlq,
            kafka_timeout_seconds=3,
            retry_after_seconds=1,
        )
        aggregator = aggregators.start()
        with serve(ingest.app) as http:
            publisher = Publisher(http, {"Authorization": f"Bearer {ingest.key()}"})
            thread = threading.Thread(target=publisher.run, daemon=True)
            thread.start()
            try:
                wait_until(lambda: len(publisher.accepted) >= 1_000, "events accepted before")
                counted_before = wait_for_progress(reader, beyond=0, timeout=90)

                local_stack.stop(kafka.pid)
                # The publisher posts one batch at a time: after its first 503 none is in flight.
                wait_until(lambda: publisher.statuses[503] >= 1, "a 503 while Kafka is down")
                accepted_at_stop = len(publisher.accepted)
                wait_until(lambda: publisher.statuses[503] >= 3, "503s while Kafka is down")
                ready_while_down = http.get("/readyz").status_code
                accepted_while_down = len(publisher.accepted) - accepted_at_stop

                kafka = local_stack.start_kafka(
                    tmp_path / "kafka", secrets=stack.secrets, port=port, controller_port=controller
                )
                accepted_at_restart = len(publisher.accepted)
                wait_until(
                    lambda: len(publisher.accepted) >= accepted_at_restart + 1_000,
                    "events accepted after the restart",
                )
            finally:
                publisher.stop.set()
                thread.join(timeout=240)
        assert not thread.is_alive()
        if publisher.error is not None:
            raise publisher.error
        wait_until_counted(servers, topics.events, reader, timeout=180)
        assert aggregator.poll() is None, "the aggregator stopped during the restart"
        assert aggregators.stop(aggregator) == 0
        landed = [decode(r.value) for r in read_topic(servers, topics.events)]
        ingest.close()
    finally:
        aggregators.kill_all()
        local_stack.stop(kafka.pid)
    # The outage was felt: 503 `kafka_unavailable` with nothing reported accepted, and no
    # other server error ever.
    assert counted_before > 0
    assert accepted_while_down == 0
    assert ready_while_down == 503
    assert set(publisher.statuses) == {200, 503}, publisher.statuses
    for refusal in publisher.refusals:
        assert refusal.json()["error"]["code"] == "kafka_unavailable"
        assert "results" not in refusal.json()
    assert publisher.rejected == 0
    # Nothing acknowledged was lost; what Kafka holds beyond that is a resent batch.
    first_of: dict[str, VaccinationEvent] = {}
    for event in landed:
        first_of.setdefault(event.event_id, event)
    assert set(first_of) == set(publisher.accepted)
    # Every accepted event counted exactly once.
    stats = reader.stats()
    assert stats["consumed"] == len(landed)
    assert stats["net_counted"] == len(publisher.accepted)
    got = redis_counts(reader)
    totals = Counter(
        (HAMMERSMITH, date.fromisoformat(e["vaccination_date"]), e["dose_number"])
        for e in publisher.accepted.values()
    )
    assert {cell[:3]: n for cell, n in got.items() if cell[3] == "none"} == totals
    assert not differences(got, dict(ExpectedCounts.from_events(first_of.values()).counts))
