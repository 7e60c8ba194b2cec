"""The aggregator's metrics: a batch is one observation of its size and time, whatever
partitions it moved, and its records are counted by outcome once each."""

from __future__ import annotations

from services.aggregate.batch import BatchPreparer
from services.aggregate.metrics import AggregateMetrics
from services.aggregate.record_intake import RecordIntake
from services.contract.codec import encode
from services.reference.areas import load_areas
from tests.unit.aggregate.aggregate_examples import make_event
from tests.unit.aggregate.test_aggregate_batch import Record, _target


def _sample(metrics: AggregateMetrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


def test_a_batch_over_three_partitions_is_one_histogram_observation() -> None:
    preparer = BatchPreparer(
        intake=RecordIntake(areas=load_areas()),
        read_states=lambda _g, _b, wanted: {s: dict.fromkeys(ids) for s, ids in wanted.items()},
        live=True,
    )
    records = [
        Record(0, 0, encode(make_event("a"))),
        Record(0, 1, encode(make_event("b"))),
        Record(1, 0, encode(make_event("c"))),
        Record(2, 0, b"not avro"),
    ]
    prepared = preparer.prepare(
        records, [(0, None, 2), (1, None, 1), (2, None, 1)], _target(), before_reading=lambda: None
    )
    assert len(prepared.writes) == 3  # one script call per partition
    metrics = AggregateMetrics()
    metrics.applied(prepared, seconds=0.2)
    assert _sample(metrics, "vaxshare_aggregate_batch_size_events_count") == 1
    assert _sample(metrics, "vaxshare_aggregate_batch_size_events_sum") == 4
    assert _sample(metrics, "vaxshare_aggregate_batch_duration_seconds_count") == 1
    assert _sample(metrics, "vaxshare_aggregate_batch_duration_seconds_sum") == 0.2
    assert _sample(metrics, "vaxshare_aggregate_events_total", outcome="consumed") == 4
    assert _sample(metrics, "vaxshare_aggregate_events_total", outcome="counted") == 3
    assert _sample(metrics, "vaxshare_aggregate_events_total", outcome="dead_lettered") == 1
