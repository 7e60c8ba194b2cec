"""A reused event id with other content is reported, not dropped: refused at once within one
posted batch, dead-lettered by the aggregator across batches and from direct producers, counted
by publisher in the dead-letter counts and the metrics, and listed by `vaxshare dead-letters`."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from kafka import KafkaProducer

from services.contract import codec
from services.contract.json_codec import event_from_json
from services.contract.pseudonym import Pseudonymiser
from services.release.counts_reader import CountsReader
from tests.conftest import NATIONAL_PUBLISHER, Stack, Topics
from tests.integration.aggregate_harness import REPO, Aggregators, wait_until_counted
from tests.integration.ingest_harness import (
    NHS_NUMBERS,
    PSEUDONYM_KEY,
    PUBLISHER,
    Ingest,
    event_json,
    serve,
)
from tests.integration.test_aggregate_poison_and_rebuild import (
    metrics_once_caught_up,
    read_dead_letters,
)

pytestmark = pytest.mark.slow
NATIONAL = "National vaccination feed"
BRENT = "E09000005"


def _direct(stack: Stack, topic: str, events: list) -> None:
    producer = KafkaProducer(**stack.kafka_options(NATIONAL_PUBLISHER), acks="all")
    try:
        for event in events:
            producer.send(topic, key=event.person_key.encode(), value=codec.encode(event))
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)


def _cells(reader: CountsReader) -> dict[tuple[str, int], int]:
    """Area totals (breakdown none) by (LTLA, dose)."""
    tables = reader.tables([k for k in reader.scan_cell_keys() if k[2] == "none"])
    return {(ltla, dose): sum(t.values()) for (ltla, dose, _), t in tables.items() if t}


def test_a_reused_event_id_with_other_content_is_refused_dead_lettered_and_shown_by_publisher(
    ingest: Ingest, stack: Stack, topics: Topics, prefix: str, tmp_path: Path
) -> None:
    auth = {"Authorization": f"Bearer {ingest.key()}"}
    first = event_json("emis-1", NHS_NUMBERS[0])
    other = event_json("emis-2", NHS_NUMBERS[1])
    pseudonymiser = Pseudonymiser(PSEUDONYM_KEY.encode())
    national = event_from_json(event_json("nat-1", NHS_NUMBERS[2]), pseudonymiser=pseudonymiser)
    national = replace(national, source_system=NATIONAL)
    aggregators = Aggregators(stack, topics, prefix, tmp_path)
    client = stack.redis_client()
    try:
        process = aggregators.start()
        with serve(ingest.app) as http:
            # Three copies in one batch, the third with another dose: refused at once.
            one = http.post(
                "/v1/events", json=[first, first, first | {"dose_number": 2}, other], headers=auth
            )
            # Later batches: a resend (a duplicate) and a copy in another area (the ingest
            # keeps no state: the aggregator compares it with what emis-1 counted).
            two = http.post(
                "/v1/events",
                json=[other, first | {"ltla_code": BRENT, "msoa_code": None}],
                headers=auth,
            )
        # A direct producer reusing its own id with another age.
        _direct(stack, topics.events, [national, replace(national, age_years=31)])
        reader = CountsReader(client, prefix=prefix)
        wait_until_counted(stack, topics.events, reader)
        base = f"http://127.0.0.1:{aggregators.metrics_port(process)}"
        metrics = metrics_once_caught_up(base)
        stats = reader.stats()
    finally:
        aggregators.kill_all()

    assert one.status_code == 207
    results = one.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted", "rejected", "accepted"]
    assert results[2]["reason"] == "conflicting_duplicate"
    assert results[2]["field"] == "dose_number" and "CORRECTED" in results[2]["message"]
    assert two.status_code == 200

    # Each event counted once, as first sent: nothing in Brent, no second dose.
    assert _cells(reader) == {("E09000013", 1): 3}
    assert stats["duplicates"] == 2  # the resent emis-2 and the identical second emis-1
    assert stats["conflicting_duplicates"] == 2

    letters = [
        letter
        for letter in read_dead_letters(stack, topics.dlq, 3)
        if letter.reason == "conflicting_duplicate"
    ]
    seen = sorted((letter.stage, letter.event_id, letter.publisher) for letter in letters)
    assert seen == [
        ("aggregate", "emis-1", PUBLISHER),
        ("aggregate", "nat-1", NATIONAL),
        ("ingest", "emis-1", PUBLISHER),
    ]
    for letter in letters:
        assert not any(n.encode() in letter.original for n in NHS_NUMBERS)

    label = 'vaxshare_aggregate_conflicting_duplicates_total{publisher="%s"} 1.0'
    assert label % PUBLISHER in metrics and label % NATIONAL in metrics
    assert 'vaxshare_aggregate_dead_letters_total{reason="conflicting_duplicate"} 2.0' in metrics

    listed = subprocess.run(
        [sys.executable, "-m", "services.cli", "dead-letters", "--reason", "conflicting_duplicate"],
        env={**aggregators.env},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()
    rows = {" ".join(line.split()) for line in listed}
    assert rows == {
        f"1 aggregate conflicting_duplicate {NATIONAL}",
        f"1 aggregate conflicting_duplicate {PUBLISHER}",
        f"1 ingest conflicting_duplicate {PUBLISHER}",
    }
