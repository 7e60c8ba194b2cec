"""Files are cut into request bodies that carry exactly the file's events."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastavro import reader

from services.contract.container import read_container, write_container
from services.contract.json_codec import event_to_json
from services.ingest.publish_cli import Summary, backoff_seconds
from services.ingest.publish_files import batches, count_events, csv_row_to_json, file_format
from tests.unit.contract.contract_examples import sample_event

EVENTS = [sample_event(event_id=f"e{i}", dose_number=1 + i % 3, jcvi_group=None) for i in range(7)]


def test_json_lines_are_sent_as_they_are_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps(event_to_json(e)) for e in EVENTS]
    path.write_text("\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:]) + "\n")
    cut = list(batches(path, file_format(path), size=3))
    assert [b.count for b in cut] == [3, 3, 1]
    assert b"".join(b.body for b in cut).decode().splitlines() == lines
    assert count_events(path, "jsonl") == 7


def test_csv_rows_become_the_json_objects_the_simulator_wrote(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    columns = list(event_to_json(EVENTS[0]))
    rows = [",".join(_cell(v) for v in event_to_json(e).values()) for e in EVENTS]
    path.write_text(",".join(columns) + "\n" + "\n".join(rows) + "\n")
    sent = [json.loads(line) for b in batches(path, "csv", size=5) for line in b.body.splitlines()]
    expected = [{k: v for k, v in event_to_json(e).items() if v is not None} for e in EVENTS]
    assert sent == expected
    assert count_events(path, "csv") == 7


def _cell(value: object) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def test_csv_cells_that_are_not_numbers_stay_text_for_the_ingest_to_refuse() -> None:
    assert csv_row_to_json({"dose_number": "two", "age_years": "-1", "jcvi_group": ""}) == {
        "dose_number": "two",
        "age_years": -1,
    }


def test_avro_files_are_recut_into_containers_with_the_same_records(tmp_path: Path) -> None:
    path = tmp_path / "feed.avro"
    with path.open("wb") as f:
        write_container(EVENTS, f)
    cut = list(batches(path, "avro", size=4))
    assert [b.count for b in cut] == [4, 3]
    assert [e for b in cut for e in read_container(io.BytesIO(b.body))] == EVENTS
    with path.open("rb") as f:
        assert reader(f).writer_schema == reader(io.BytesIO(cut[0].body)).writer_schema


def test_unknown_suffixes_need_an_explicit_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--format"):
        file_format(tmp_path / "feed.txt")
    assert file_format(tmp_path / "feed.txt", "csv") == "csv"


def test_the_summary_counts_reasons_and_resent_event_ids() -> None:
    summary = Summary()
    summary.add(
        {
            "results": [
                {"status": "accepted", "event_id": "a"},
                {"status": "rejected", "reason": "unknown_area"},
            ]
        }
    )
    summary.add(
        {
            "results": [
                {"status": "accepted", "event_id": "a"},
                {"status": "accepted", "event_id": "b"},
            ]
        }
    )
    assert (summary.accepted, summary.rejected, summary.duplicates) == (3, {"unknown_area": 1}, 1)
    assert "  unknown_area: 1" in summary.lines()


def test_backoff_honours_retry_after_and_grows_otherwise() -> None:
    assert backoff_seconds(0, "7") == 7
    assert [backoff_seconds(n, None) for n in range(4)] == [0.5, 1, 2, 4]
    assert backoff_seconds(30, None) == backoff_seconds(0, "100000") == 60
