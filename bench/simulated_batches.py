"""Simulated feeds for the benchmarks: JSON Lines bodies (with NHS numbers) and Avro values."""

from __future__ import annotations

from devtools.simulator.output import jsonl_line
from devtools.simulator.simulator import NW_LONDON, SimulationConfig, Simulator
from services.contract import codec
from services.contract.errors import CodecError

# Records the simulator gives for North West London at scale 1 (about 1.56 million).
NW_LONDON_RECORDS = 1_560_000


def jsonl_bodies(events: int, per_batch: int) -> list[bytes]:
    """At least `events` simulated records, as JSON Lines bodies of `per_batch` records."""
    scale = min(1.0, 1.05 * events / NW_LONDON_RECORDS)
    records = Simulator(SimulationConfig(areas=NW_LONDON, scale=scale)).records()
    lines = [jsonl_line(record, with_nhs_numbers=True) for record in records[:events]]
    return [
        b"\n".join(lines[start : start + per_batch]) + b"\n"
        for start in range(0, len(lines) - per_batch + 1, per_batch)
    ]


def avro_records(events: int, *, seed: int = 7) -> list[tuple[bytes, bytes]]:
    """Up to `events` simulated records as (person key, Avro single-object value) pairs."""
    scale = min(1.0, 1.05 * events / NW_LONDON_RECORDS)
    config = SimulationConfig(areas=NW_LONDON, scale=scale, with_nhs_numbers=False, seed=seed)
    pairs = []
    for record in Simulator(config).records()[:events]:
        try:
            pairs.append((record.event.person_key.encode(), codec.encode(record.event)))
        except CodecError:
            continue  # an invalid record the contract refuses to encode
    return pairs
