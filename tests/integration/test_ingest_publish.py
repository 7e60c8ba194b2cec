"""`vaxshare publish` sends a simulated feed in batches and sums up what became of it."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from devtools.simulator.faults import FAULT_MAKERS
from devtools.simulator.output import write_avro, write_csv, write_jsonl
from devtools.simulator.simulator import (
    SimulatedRecord,
    SimulationConfig,
    Simulator,
    Trait,
    TraitRates,
)
from services.contract.codec import decode
from services.contract.dead_letter import decode_dead_letter
from services.ingest import publish_cli
from tests.conftest import Stack, Topics
from tests.integration.ingest_harness import Ingest, read_topic, serve

FAULTY = TraitRates(duplicate=0.05, invalid=dict.fromkeys(FAULT_MAKERS, 0.004))


@pytest.fixture(scope="module")
def feed() -> tuple[SimulatedRecord, ...]:
    config = SimulationConfig(
        areas=("E09000013",), scale=0.002, end=date(2021, 3, 31), rates=FAULTY
    )
    return Simulator(config).records()


def summary_of(printed: str) -> tuple[int, dict[str, int], int]:
    accepted = int(re.search(r"^accepted:\s+(\d+)", printed, re.M).group(1))  # type: ignore[union-attr]
    reasons = {m[1]: int(m[2]) for m in re.finditer(r"^  (\w+): (\d+)$", printed, re.M)}
    duplicates = int(re.search(r"^duplicates:\s+(\d+)", printed, re.M).group(1))  # type: ignore[union-attr]
    return accepted, reasons, duplicates


def expected_reasons(invalid: Counter[str], suffix: str) -> Counter[str]:
    """What the ingest can tell of each invalid record in a file of this format."""
    if suffix == ".avro":  # Avro files carry person keys: no record has a bad NHS number
        return invalid - Counter({"invalid_nhs_number": invalid["invalid_nhs_number"]})
    if suffix == ".csv":  # an empty cell is a null: an empty event id is a missing one
        moved = Counter({"missing_field": invalid["empty_event_id"]})
        return invalid - Counter({"empty_event_id": invalid["empty_event_id"]}) + moved
    return invalid


def test_jsonl_csv_and_avro_files_are_published_with_a_true_summary(
    ingest: Ingest,
    feed: tuple[SimulatedRecord, ...],
    stack: Stack,
    topics: Topics,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    jsonl, csv_file, avro = tmp_path / "feed.jsonl", tmp_path / "feed.csv", tmp_path / "feed.avro"
    with jsonl.open("wb") as f:
        write_jsonl(feed, f)
    with csv_file.open("w", newline="") as f:
        write_csv(feed, f)
    with avro.open("wb") as f:
        write_avro(feed, f)
    valid = [r for r in feed if r.valid]
    invalid = Counter(r.reason.value for r in feed if r.reason is not None)
    assert len(invalid) >= 5 and any(r.trait is Trait.DUPLICATE for r in feed), (
        "a feed worth testing"
    )
    duplicates = len(valid) - len({r.event.event_id for r in valid})

    key = ingest.key()
    with serve(ingest.app) as client:
        url = f"http://{urlsplit(str(client.base_url)).netloc}"
        for path in (jsonl, csv_file, avro):
            code = publish_cli.main(
                [str(path), "--url", url, "--key", key, "--batch-size", "40", "--quiet"]
            )
            printed = capsys.readouterr().out
            expected_invalid = expected_reasons(invalid, path.suffix)
            assert code == 3, printed
            assert summary_of(printed) == (len(valid), dict(expected_invalid), duplicates), (
                path.name
            )
        refused = publish_cli.main(
            [str(jsonl), "--url", url, "--key", "vx_000000000000_wrong", "--quiet"]
        )
        assert refused == 1
        assert "invalid_credentials" in capsys.readouterr().err

    landed = Counter(decode(r.value).event_id for r in read_topic(stack, topics.events))
    assert landed == Counter([r.event.event_id for r in valid] * 3)
    letters = Counter(decode_dead_letter(r.value).reason for r in read_topic(stack, topics.dlq))
    assert letters == sum(
        (expected_reasons(invalid, suffix) for suffix in (".jsonl", ".csv", ".avro")), Counter()
    )
