"""Feeds written a column at a time are exactly the records serialised one by one.

The references here are deliberately plain: orjson over each event's JSON object, the csv
module over each row, fastavro over each record. The fast writers must give the same bytes
(JSON Lines and CSV) or the same events read back (Avro, whose sync marker is random).
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import orjson
import pytest
from fastavro import parse_schema, schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.simulator.avro_blocks import avro_longs
from devtools.simulator.faults import FAULT_MAKERS
from devtools.simulator.output import csv_columns, write_avro, write_csv, write_jsonl
from devtools.simulator.simulator import (
    DEFAULT_PSEUDONYM_KEY,
    NW_LONDON,
    SimulatedFeed,
    SimulatedRecord,
    SimulationConfig,
    Simulator,
    TraitRates,
)
from services.contract.container import read_container
from services.contract.json_codec import event_from_json, event_to_json
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason

# Every trait often, so that chunks mix rows rendered from columns with records made whole.
BUSY = TraitRates(
    duplicate=0.08,
    correction=0.05,
    retraction=0.04,
    late=0.2,
    invalid=dict.fromkeys(FAULT_MAKERS, 0.004),
)
PSEUDONYMISER = Pseudonymiser(DEFAULT_PSEUDONYM_KEY)


def reference_object(record: SimulatedRecord, *, with_nhs_numbers: bool) -> dict[str, Any]:
    obj = event_to_json(record.event)
    if not with_nhs_numbers:
        return obj
    return {
        ("nhs_number" if name == "person_key" else name): (
            record.nhs_number if name == "person_key" else value
        )
        for name, value in obj.items()
    }


def reference_jsonl(records: tuple[SimulatedRecord, ...], *, with_nhs_numbers: bool) -> bytes:
    return b"".join(
        orjson.dumps(reference_object(r, with_nhs_numbers=with_nhs_numbers)) + b"\n"
        for r in records
    )


def reference_csv(records: tuple[SimulatedRecord, ...], *, with_nhs_numbers: bool) -> str:
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\n")
    rows.writerow(csv_columns(with_nhs_numbers=with_nhs_numbers))
    cells = {None: "", True: "true", False: "false"}
    for record in records:
        obj = reference_object(record, with_nhs_numbers=with_nhs_numbers)
        rows.writerow(cells.get(v, v) if v is None or type(v) is bool else v for v in obj.values())
    return out.getvalue()


def written_jsonl(feed: SimulatedFeed, *, with_nhs_numbers: bool) -> bytes:
    out = io.BytesIO()
    assert write_jsonl(feed, out, with_nhs_numbers=with_nhs_numbers) == len(feed)
    return out.getvalue()


def written_csv(feed: SimulatedFeed, *, with_nhs_numbers: bool) -> str:
    out = io.StringIO()
    assert write_csv(feed, out, with_nhs_numbers=with_nhs_numbers) == len(feed)
    return out.getvalue()


@pytest.fixture(scope="module")
def busy() -> Simulator:
    return Simulator(SimulationConfig(areas=NW_LONDON[:3], scale=0.025, seed=11, rates=BUSY))


@pytest.mark.parametrize("with_nhs_numbers", [True, False])
def test_jsonl_lines_parse_to_the_same_events_as_each_event_serialised_alone(
    busy: Simulator, with_nhs_numbers: bool
) -> None:
    records = busy.records()
    fast = written_jsonl(busy.feed(), with_nhs_numbers=with_nhs_numbers)
    plain = reference_jsonl(records, with_nhs_numbers=with_nhs_numbers)
    assert len(records) > 2 * 8_192, "several chunks"
    assert fast == plain
    for line, reference, record in zip(fast.splitlines(), plain.splitlines(), records, strict=True):
        if record.reason is Reason.INVALID_NHS_NUMBER:
            continue  # no person key can be made of it: the ingest refuses it
        event = event_from_json(orjson.loads(line), pseudonymiser=PSEUDONYMISER)
        assert event == event_from_json(orjson.loads(reference), pseudonymiser=PSEUDONYMISER)
        assert event == record.event


@pytest.mark.parametrize("with_nhs_numbers", [True, False])
def test_csv_rows_are_those_the_csv_module_writes(busy: Simulator, with_nhs_numbers: bool) -> None:
    fast = written_csv(busy.feed(), with_nhs_numbers=with_nhs_numbers)
    assert fast == reference_csv(busy.records(), with_nhs_numbers=with_nhs_numbers)


def test_avro_container_reads_back_as_the_records_with_a_person_key() -> None:
    sim = Simulator(SimulationConfig(areas=NW_LONDON[:2], scale=0.01, seed=4, rates=BUSY))
    out = io.BytesIO()
    kept = [r.event for r in sim.records() if r.reason is not Reason.INVALID_NHS_NUMBER]
    assert any(r.reason is Reason.INVALID_NHS_NUMBER for r in sim.records())
    assert write_avro(sim.feed(), out) == len(kept)
    assert list(read_container(io.BytesIO(out.getvalue()))) == kept


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**31),
    areas=st.lists(st.sampled_from(NW_LONDON), min_size=1, max_size=2, unique=True),
    scale=st.floats(0.0005, 0.003),
    end=st.dates(date(2020, 12, 9), date(2021, 12, 31)),
    with_nhs_numbers=st.booleans(),
)
def test_any_feed_writes_as_its_records_serialised_one_by_one(
    seed: int, areas: list[str], scale: float, end: date, with_nhs_numbers: bool
) -> None:
    config = SimulationConfig(
        areas=tuple(areas),
        scale=scale,
        end=end,
        seed=seed,
        rates=BUSY,
        with_nhs_numbers=with_nhs_numbers,
    )
    sim = Simulator(config)
    records, feed = sim.records(), sim.feed()
    nhs = with_nhs_numbers
    assert written_jsonl(feed, with_nhs_numbers=nhs) == reference_jsonl(
        records, with_nhs_numbers=nhs
    )
    assert written_csv(feed, with_nhs_numbers=nhs) == reference_csv(records, with_nhs_numbers=nhs)
    out = io.BytesIO()
    write_avro(feed, out)
    kept = [r.event for r in records if r.reason is not Reason.INVALID_NHS_NUMBER]
    assert list(read_container(io.BytesIO(out.getvalue()))) == kept


def test_identifiers_that_need_escaping_or_quoting_are_written_correctly(busy: Simulator) -> None:
    # Not what the simulator makes, but what the writers must still get right.
    feed = busy.feed()
    odd = np.array([f'{n[:4]}"é,\\\n{n[4:]}' for n in feed.numbers.tolist()], dtype=object)
    odd_feed = replace(feed, numbers=odd, id_prefixes=tuple(f'S "{p}",%' for p in feed.id_prefixes))
    records = odd_feed.as_objects()[0]
    assert records[0].event.event_id.startswith('S "SIM')
    assert written_jsonl(odd_feed, with_nhs_numbers=True) == reference_jsonl(
        records, with_nhs_numbers=True
    )
    assert written_csv(odd_feed, with_nhs_numbers=True) == reference_csv(
        records, with_nhs_numbers=True
    )
    numbers_only = replace(feed, numbers=odd)
    assert written_csv(numbers_only, with_nhs_numbers=True) == reference_csv(
        numbers_only.as_objects()[0], with_nhs_numbers=True
    )


_LONG = parse_schema({"type": "record", "name": "L", "fields": [{"name": "v", "type": "long"}]})


def _fastavro_long(value: int) -> bytes:
    out = io.BytesIO()
    schemaless_writer(out, _LONG, {"v": value})
    return out.getvalue()


@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=50))
def test_longs_are_encoded_as_fastavro_encodes_them(values: list[int]) -> None:
    expected = [_fastavro_long(v) for v in values]
    encoded = avro_longs(np.array(values, dtype=np.int64))
    assert [text.encode("latin-1") for text in encoded] == expected
