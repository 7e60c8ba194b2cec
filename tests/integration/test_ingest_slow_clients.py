"""Clients that send their body slowly, or go away before it arrives, are not server errors.

A body that does not arrive within `VAXSHARE_BODY_READ_TIMEOUT_SECONDS` gets 408 and nothing
is taken; a client that disconnects mid-body is counted under status 499 and logged at INFO,
never as a 500 or an ERROR that would page the on-call; the server serves the next request.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Stack, Topics
from tests.integration.ingest_harness import Ingest, build_ingest, event_json, read_topic, serve


@pytest.fixture
def slow_ingest(stack: Stack, topics: Topics, prefix: str) -> Iterator[Ingest]:
    """An ingest that waits at most one second for a body."""
    built = build_ingest(
        stack,
        prefix=prefix,
        events_topic=topics.events,
        dlq_topic=topics.dlq,
        body_read_timeout_seconds=1.0,
    )
    yield built
    built.close()


def start_post(client: httpx.Client, key: str, declared: int, sent: bytes) -> socket.socket:
    """A raw connection that declares a body of `declared` bytes and sends only `sent`."""
    host, port = client.base_url.host, client.base_url.port
    conn = socket.create_connection((host, port or 80), timeout=10)
    conn.sendall(
        (
            f"POST /v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
        ).encode()
        + sent
    )
    return conn


def statuses(client: httpx.Client) -> dict[str, float]:
    """The ingest's request counts by status, from its /metrics."""
    counts: dict[str, float] = {}
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("vaxshare_http_requests_total{") and 'route="/v1/events"' in line:
            status = line.split('status="', 1)[1].split('"', 1)[0]
            counts[status] = counts.get(status, 0) + float(line.rsplit(" ", 1)[1])
    return counts


def test_a_body_that_does_not_arrive_in_time_gets_408_and_nothing_is_taken(
    slow_ingest: Ingest, stack: Stack, topics: Topics
) -> None:
    key = slow_ingest.key()
    body = json.dumps([event_json("slow-1")]).encode()
    with serve(slow_ingest.app) as client:
        started = time.monotonic()
        conn = start_post(client, key, len(body), body[:2])
        received = b""
        while chunk := conn.recv(65536):  # the server closes the connection after answering
            received += chunk
        waited = time.monotonic() - started
        conn.close()
        answer = received.decode()
        assert answer.startswith("HTTP/1.1 408"), answer
        assert '"code":"body_timeout"' in answer.replace(" ", "") and waited < 5
        client.headers["Authorization"] = f"Bearer {key}"
        good = client.post("/v1/events", json=[event_json("after-1")])
        assert good.status_code == 200
    assert [r.key is not None for r in read_topic(stack, topics.events)] == [True]
    assert read_topic(stack, topics.dlq) == []


def test_a_client_that_goes_away_is_counted_as_499_and_logged_at_info(
    slow_ingest: Ingest, stack: Stack, topics: Topics, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    key = slow_ingest.key()
    with serve(slow_ingest.app) as client:
        conn = start_post(client, key, 1000, b'[{"event_id": ')
        time.sleep(0.3)
        conn.close()
        deadline = time.monotonic() + 10
        while statuses(client).get("499") != 1.0 and time.monotonic() < deadline:
            time.sleep(0.05)
        counts = statuses(client)
        client.headers["Authorization"] = f"Bearer {key}"
        assert client.post("/v1/events", json=[event_json("after-2")]).status_code == 200
    assert counts == {"499": 1.0}
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    gone = [r for r in caplog.records if "closed the connection" in r.getMessage()]
    assert gone and gone[0].levelno == logging.INFO
    assert len(read_topic(stack, topics.events)) == 1
    assert read_topic(stack, topics.dlq) == []
