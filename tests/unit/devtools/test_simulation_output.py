"""Simulated feeds written as files read back exactly as publishers' files would."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest

from devtools.simulator.cli import simulate_main
from devtools.simulator.expected_counts import CSV_COLUMNS
from devtools.simulator.output import csv_columns, write_avro, write_csv, write_jsonl
from devtools.simulator.simulator import (
    DEFAULT_PSEUDONYM_KEY,
    SimulationConfig,
    Simulator,
    TraitRates,
)
from services.contract.container import read_container
from services.contract.json_codec import event_from_json, event_to_json
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason

HARROW = "E09000015"


@pytest.fixture(scope="module")
def simulator() -> Simulator:
    return Simulator(SimulationConfig(areas=(HARROW,), scale=0.005, seed=5))


def test_jsonl_lines_are_the_contract_json_with_nhs_numbers(simulator: Simulator) -> None:
    out = io.BytesIO()
    assert write_jsonl(simulator.records(), out) == len(simulator.records())
    lines = out.getvalue().splitlines()
    pseudonymiser = Pseudonymiser(DEFAULT_PSEUDONYM_KEY)
    for line, record in zip(lines, simulator.records(), strict=True):
        obj = orjson.loads(line)
        assert "person_key" not in obj
        assert obj.pop("nhs_number") == record.nhs_number
        expected = event_to_json(record.event)
        del expected["person_key"]
        assert obj == expected
        if record.valid:
            obj["nhs_number"] = record.nhs_number
            assert event_from_json(obj, pseudonymiser=pseudonymiser) == record.event


def test_jsonl_with_person_keys_reads_back_as_the_events(simulator: Simulator) -> None:
    out = io.BytesIO()
    write_jsonl(simulator.records(), out, with_nhs_numbers=False)
    pseudonymiser = Pseudonymiser(DEFAULT_PSEUDONYM_KEY)
    valid = [r for r in simulator.records() if r.reason is not Reason.INVALID_NHS_NUMBER]
    read = [orjson.loads(line) for line in out.getvalue().splitlines()]
    for obj, record in zip(read, simulator.records(), strict=True):
        assert obj == event_to_json(record.event)
    assert [
        event_from_json(obj, pseudonymiser=pseudonymiser) for obj in read if obj["person_key"]
    ] == [r.event for r in valid]


def test_csv_has_stable_columns_and_one_row_per_record(simulator: Simulator) -> None:
    out = io.StringIO()
    write_csv(simulator.records(), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == csv_columns(with_nhs_numbers=True)
    assert len(rows) == len(simulator.records())
    first = simulator.records()[0]
    assert rows[0]["nhs_number"] == first.nhs_number
    assert rows[0]["vaccination_date"] == first.event.vaccination_date.isoformat()
    assert rows[0]["care_home_resident"] in ("true", "false")
    # Invalid records may break that rule on purpose (Reason.UNEXPECTED_SUPERSEDES).
    valid = [r.valid for r in simulator.records()]
    administered = [
        row for row, ok in zip(rows, valid, strict=True) if ok and row["kind"] == "ADMINISTERED"
    ]
    assert administered and {row["supersedes_event_id"] for row in administered} == {""}


def test_avro_container_reads_back_as_the_events(simulator: Simulator) -> None:
    out = io.BytesIO()
    written = write_avro(simulator.records(), out)
    events = list(read_container(io.BytesIO(out.getvalue())))
    kept = [r.event for r in simulator.records() if r.reason is not Reason.INVALID_NHS_NUMBER]
    assert written == len(kept) == len(events)
    assert events == kept


def test_cli_writes_the_feed_and_its_expected_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed, expected = tmp_path / "feed.jsonl", tmp_path / "expected.csv"
    argv = ["--areas", HARROW, "--scale", "0.005", "--seed", "5", "--output", str(feed)]
    assert simulate_main([*argv, "--expected", str(expected)]) == 0
    assert "records/s" in capsys.readouterr().err
    reference = io.BytesIO()
    write_jsonl(
        Simulator(SimulationConfig(areas=(HARROW,), scale=0.005, seed=5)).records(), reference
    )
    assert feed.read_bytes() == reference.getvalue()
    with expected.open() as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_COLUMNS
    none_total = sum(int(row[5]) for row in rows[1:] if row[3] == "none")
    assert (
        none_total
        == Simulator(SimulationConfig(areas=(HARROW,), scale=0.005, seed=5))
        .expected_counts()
        .total()
    )


def test_cli_refuses_an_unknown_area(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        simulate_main(["--areas", "E09999999", "--output", str(tmp_path / "x.jsonl")])
    assert exit_.value.code == 2


def test_cli_can_leave_out_invalid_records(tmp_path: Path) -> None:
    feed = tmp_path / "clean.csv"
    args = ["--areas", HARROW, "--scale", "0.003", "--format", "csv", "--invalid-reasons", ""]
    assert simulate_main([*args, "--output", str(feed)]) == 0
    clean = Simulator(
        SimulationConfig(areas=(HARROW,), scale=0.003, rates=TraitRates(invalid={}))
    ).records()
    assert all(record.valid for record in clean)
    with feed.open() as f:
        assert [row["event_id"] for row in csv.DictReader(f)] == [r.event.event_id for r in clean]
