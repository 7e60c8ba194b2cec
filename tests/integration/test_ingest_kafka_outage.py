"""With Kafka down nothing is reported accepted (503, Retry-After); once it is back, it is."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from devtools.localstack import servers
from services.contract.codec import decode
from services.platform.kafka_topics import ensure_topics
from tests.conftest import Stack, Topics, grant_topics
from tests.integration.ingest_harness import build_ingest, event_json, read_topic, serve


@pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")
@pytest.mark.slow
@pytest.mark.usefixtures("quiet_kafka_client")
def test_posting_while_kafka_is_stopped_gets_503_and_the_same_post_succeeds_after(
    stack: Stack, prefix: str, tmp_path: Path
) -> None:
    port, controller = servers.free_port(), servers.free_port()
    kafka = servers.start_kafka(
        tmp_path / "kafka", secrets=stack.secrets, port=port, controller_port=controller
    )
    private = replace(stack, kafka=kafka)
    bootstrap = private.bootstrap
    events, dlq = f"{prefix}.events", f"{prefix}.dlq"
    try:
        grant_topics(bootstrap, stack.secrets, Topics(events, dlq, 2), prefix)
        ensure_topics(bootstrap, {events: 2, dlq: 1}, auth=stack.kafka_auth("operator"))
        ingest = build_ingest(
            private,
            prefix=prefix,
            events_topic=events,
            dlq_topic=dlq,
            kafka_timeout_seconds=3,
            retry_after_seconds=7,
        )
        auth = {"Authorization": f"Bearer {ingest.key()}"}
        batch = [event_json("outage-1"), event_json("outage-2", dose_number=0)]
        with serve(ingest.app) as client:
            before = client.post("/v1/events", json=[event_json("before-1")], headers=auth)
            assert before.status_code == 200

            servers.stop(kafka.pid)
            started = time.monotonic()
            down = client.post("/v1/events", json=batch, headers=auth)
            assert down.status_code == 503
            assert down.headers["retry-after"] == "7"
            assert down.json()["error"]["code"] == "kafka_unavailable"
            assert "results" not in down.json()
            assert time.monotonic() - started < 15, "the answer comes within the Kafka timeout"
            assert client.get("/readyz").status_code == 503

            kafka = servers.start_kafka(
                tmp_path / "kafka", secrets=stack.secrets, port=port, controller_port=controller
            )
            assert client.get("/readyz").status_code == 200
            again = client.post("/v1/events", json=batch, headers=auth)
            assert again.status_code == 207
            assert [r["status"] for r in again.json()["results"]] == ["accepted", "rejected"]
            metrics = client.get("/metrics").text
        assert "vaxshare_ingest_kafka_errors_total 1.0" in metrics
        landed = [decode(r.value).event_id for r in read_topic(private, events)]
        # A batch Kafka stored but could not acknowledge may land twice; the aggregator
        # ignores the duplicate. What matters: everything reported accepted is there.
        assert set(landed) == {"before-1", "outage-1"}
        assert len(read_topic(private, dlq)) >= 1
        ingest.close()
    finally:
        servers.stop(kafka.pid)
