"""`vaxshare aggregate run|rebuild`: build the real adapters and run the aggregator."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable

from kafka import KafkaConsumer

from services.aggregate.consumer import Aggregator
from services.aggregate.counting_target import Mode
from services.aggregate.dead_letter_sender import DeadLetterSender
from services.aggregate.errors import AggregateError, CorruptCountsError
from services.aggregate.generation import GenerationSpec
from services.aggregate.health_server import HealthServer
from services.aggregate.metrics import AggregateMetrics
from services.aggregate.rebuild import rebuild
from services.aggregate.record_intake import RecordIntake
from services.aggregate.redis_store import RedisStore
from services.aggregate.settings import AggregateSettings
from services.platform.json_logging import configure_logging
from services.platform.kafka_producer import AckedProducer
from services.platform.redis_client import connect
from services.reference.areas import load_areas

log = logging.getLogger("services.aggregate")

EXIT_INCONSISTENT = 3
"""Exit status when the stored counts are inconsistent: rebuild them, do not just restart."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of `vaxshare aggregate`."""
    parser = argparse.ArgumentParser(prog="vaxshare aggregate")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="count the events topic into Redis until stopped")
    rebuild_cmd = commands.add_parser(
        "rebuild", help="replay the topic into a new generation and switch to it"
    )
    rebuild_cmd.add_argument("--breakdowns", help="comma-separated breakdowns of the new counts")
    rebuild_cmd.add_argument(
        "--drop-old", action="store_true", help="delete the old generation after switching"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    settings = AggregateSettings()
    configure_logging("aggregate", settings.log_level)
    try:
        if args.command == "run":
            return _run(settings)
        return _rebuild(settings, breakdowns=args.breakdowns, drop_old=args.drop_old)
    except CorruptCountsError as exc:
        log.critical("stored counts are inconsistent; stopping", extra={"error": str(exc)})
        return EXIT_INCONSISTENT
    except AggregateError as exc:
        log.error("aggregator stopped", extra={"error": str(exc)})
        return 1


def _consumer(settings: AggregateSettings, *, group_id: str | None) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        **settings.kafka_auth().kafka_python(),
        group_id=group_id,
        client_id=f"{settings.aggregate_group_id}-consumer",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.aggregate_batch_size,
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
        fetch_max_wait_ms=200,
        session_timeout_ms=settings.aggregate_session_timeout_ms,
        heartbeat_interval_ms=max(1000, settings.aggregate_session_timeout_ms // 3),
        # A restarted broker is found again within seconds, not the client's default 30 s.
        reconnect_backoff_max_ms=5000,
    )


def _aggregator(
    settings: AggregateSettings,
    *,
    consumer: KafkaConsumer,
    store: RedisStore,
    metrics: AggregateMetrics,
    default_spec: Callable[[], GenerationSpec],
    dead_letters: DeadLetterSender | None,
    mode: Mode,
) -> Aggregator:
    return Aggregator(
        consumer=consumer,
        store=store,
        intake=RecordIntake(areas=load_areas()),
        metrics=metrics,
        topic=settings.events_topic,
        batch_size=settings.aggregate_batch_size,
        default_spec=default_spec,
        dead_letters=dead_letters,
        mode=mode,
    )


def _stop_on_signals(aggregator: Aggregator) -> None:
    def stop(signum: int, _frame: object) -> None:
        log.info("stopping after the batch in hand", extra={"signal": signum})
        aggregator.stop_event.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _run(settings: AggregateSettings) -> int:
    store = RedisStore(connect(settings), prefix=settings.redis_prefix)
    metrics = AggregateMetrics()
    consumer = _consumer(settings, group_id=settings.aggregate_group_id)
    sender = DeadLetterSender(
        producer=AckedProducer(
            bootstrap=settings.kafka_bootstrap,
            auth=settings.kafka_auth(),
            client_id=f"{settings.aggregate_group_id}-dlq",
        ),
        topic=settings.dlq_topic,
    )
    aggregator = _aggregator(
        settings,
        consumer=consumer,
        store=store,
        metrics=metrics,
        default_spec=lambda: GenerationSpec.new(
            breakdowns=settings.aggregate_breakdowns,
            buckets=settings.aggregate_event_buckets,
            shards=settings.count_shards(),
        ),
        dead_letters=sender,
        mode=Mode(),
    )
    health = HealthServer(
        host=settings.aggregate_metrics_host,
        port=settings.aggregate_metrics_port,
        registry=metrics.registry,
        alive=aggregator.health.alive,
        ready=aggregator.health.ready,
    ).start()
    _stop_on_signals(aggregator)
    log.info("aggregator started", extra={"metrics_port": health.port})
    try:
        aggregator.subscribe()
        aggregator.run()
    except CorruptCountsError as exc:
        return _halt(aggregator, consumer, metrics, exc)
    finally:
        consumer.close(autocommit=False)
        sender.close()
        health.stop()
    log.info("aggregator stopped")
    return 0


def _halt(
    aggregator: Aggregator,
    consumer: KafkaConsumer,
    metrics: AggregateMetrics,
    exc: CorruptCountsError,
) -> int:
    """Stop counting for good but stay up, alive and not ready, until told to stop.

    Exiting would have Docker or Kubernetes restart the process, which would find the same
    inconsistency and exit again, in a loop; staying up, it shows `vaxshare_aggregate_halted`
    (alert AggregatorHalted) and leaves the consumer group, until the counts are rebuilt.
    """
    log.critical(
        "stored counts are inconsistent; counting stopped until they are rebuilt "
        "(vaxshare aggregate rebuild), then restart this aggregator",
        extra={"error": str(exc)},
    )
    consumer.close(autocommit=False)
    aggregator.health.halt()
    metrics.halted.set(1)
    aggregator.stop_event.wait()
    log.info("halted aggregator stopped")
    return EXIT_INCONSISTENT


def _rebuild(settings: AggregateSettings, *, breakdowns: str | None, drop_old: bool) -> int:
    store = RedisStore(connect(settings), prefix=settings.redis_prefix)
    spec = GenerationSpec.new(
        breakdowns=breakdowns or settings.aggregate_breakdowns,
        buckets=settings.aggregate_event_buckets,
        shards=settings.count_shards(),
    )
    old = store.active_generation()
    new = store.new_generation(spec)
    log.info("rebuilding", extra={"old_generation": old, "new_generation": new})
    consumer = _consumer(settings, group_id=None)
    aggregator = _aggregator(
        settings,
        consumer=consumer,
        store=store,
        metrics=AggregateMetrics(),
        default_spec=lambda: spec,
        dead_letters=None,
        mode=Mode(pinned_generation=new),
    )
    _stop_on_signals(aggregator)
    try:
        result = rebuild(
            aggregator, store=store, old_generation=old, new_generation=new, drop_old=drop_old
        )
    finally:
        consumer.close(autocommit=False)
    log.info(
        "rebuild switched over",
        extra={
            "old_generation": result.old_generation,
            "new_generation": result.new_generation,
            "records": result.records,
            "seconds": round(result.seconds, 1),
        },
    )
    print(result.new_generation)
    return 0
