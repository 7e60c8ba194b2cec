"""An idempotent Kafka producer that answers only once the broker acknowledged every record.

`send_all` sends a batch and waits for every acknowledgement (acks=all) or raises
`KafkaUnavailable`: the caller may report records as stored only when it returns. The client
is librdkafka (confluent-kafka), which batches and sends from its own threads, so one call
costs a few microseconds per record. It is created on first use (no I/O at construction) and
rebuilt after a failure, so a restarted broker is picked up without restarting the service.

Keys are partitioned with murmur2, as the Java client does, so a person's records land in
the same partition whichever producer (this one, or an NHS system's own) sent them.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from services.platform.errors import KafkaUnavailable
from services.platform.kafka_auth import KafkaAuth

log = logging.getLogger(__name__)
POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """One record to produce: topic, partitioning key, value and optional headers."""

    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


def producer_config(
    bootstrap: str, client_id: str, *, auth: KafkaAuth, timeout_seconds: float
) -> dict[str, Any]:
    """librdkafka settings for an idempotent, acks=all producer with Java-compatible keys."""
    timeout_ms = int(timeout_seconds * 1000)
    return {
        **auth.librdkafka(),
        "bootstrap.servers": bootstrap,
        "client.id": client_id,
        "acks": "all",
        "enable.idempotence": True,
        "partitioner": "murmur2_random",
        "linger.ms": 2,
        "message.timeout.ms": timeout_ms,
        "socket.timeout.ms": max(1000, timeout_ms // 2),
        "reconnect.backoff.max.ms": 1000,
        "log.connection.close": False,
        "logger": logging.getLogger("services.platform.librdkafka"),
    }


class _Acks:
    """Counts the acknowledgements of one batch; delivery reports may arrive on any thread."""

    def __init__(self, expected: int) -> None:
        self.pending = expected
        self.error: KafkaError | None = None
        self.done = threading.Event()
        self._lock = threading.Lock()

    def report(self, error: KafkaError | None, _message: Message) -> None:
        with self._lock:
            if error is not None and self.error is None:
                self.error = error
            self.pending -= 1
            if self.pending == 0 or error is not None:
                self.done.set()


class AckedProducer:
    """Idempotent producer (acks=all) whose sends return only after every acknowledgement."""

    def __init__(
        self, *, bootstrap: str, auth: KafkaAuth, client_id: str, timeout_seconds: float = 10.0
    ) -> None:
        self._bootstrap = bootstrap
        self._auth = auth
        self._client_id = client_id
        self._timeout = timeout_seconds
        self._producer: Producer | None = None
        self._lock = threading.Lock()
        self._closers: list[threading.Thread] = []

    def _client(self) -> Producer:
        with self._lock:
            if self._producer is None:
                self._producer = Producer(
                    producer_config(
                        self._bootstrap,
                        self._client_id,
                        auth=self._auth,
                        timeout_seconds=self._timeout,
                    )
                )
            return self._producer

    def send_all(self, records: Sequence[OutgoingRecord]) -> None:
        """Produce every record and wait for its acknowledgement; KafkaUnavailable otherwise."""
        if not records:
            return
        deadline = time.monotonic() + self._timeout
        acks = _Acks(len(records))
        producer = self._client()
        try:
            for r in records:
                self._produce(producer, r, acks, deadline)
            while not acks.done.is_set() and time.monotonic() < deadline:
                producer.poll(POLL_SECONDS)  # serves delivery reports, this batch's or others'
        except (KafkaException, BufferError) as exc:
            self._discard(producer)
            raise KafkaUnavailable(f"Kafka did not take the batch: {exc}") from exc
        if acks.error is not None or acks.pending:
            self._discard(producer)
            why = acks.error.str() if acks.error is not None else "no acknowledgement in time"
            raise KafkaUnavailable(f"Kafka did not acknowledge the batch: {why}")

    def _produce(
        self, producer: Producer, record: OutgoingRecord, acks: _Acks, deadline: float
    ) -> None:
        while True:
            try:
                producer.produce(
                    record.topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers) or None,
                    on_delivery=acks.report,
                )
                return
            except BufferError:  # the local queue is full: let deliveries drain it
                if time.monotonic() >= deadline:
                    raise
                producer.poll(POLL_SECONDS)

    def ping(self, timeout_seconds: float = 2.0) -> bool:
        """True when a bootstrap broker accepts a connection now."""
        for address in self._bootstrap.split(","):
            host, _, port = address.strip().rpartition(":")
            try:
                with socket.create_connection((host.strip("[]"), int(port)), timeout_seconds):
                    return True
            except (OSError, ValueError):
                continue
        return False

    def _discard(self, failed: Producer) -> None:
        # A failed client may hold expired sequence state; a new client starts a fresh
        # producer id (the consumer side ignores any duplicate). Records still queued are
        # dropped (they were reported as not stored); the old client is closed in the
        # background, as closing waits for what is in flight.
        with self._lock:
            if self._producer is failed:
                self._producer = None
        failed.purge(in_queue=True, in_flight=False)
        closer = threading.Thread(
            target=self._close_quietly, args=(failed,), name="kafka-producer-closer"
        )
        closer.start()
        self._closers = [c for c in self._closers if c.is_alive()] + [closer]

    def _close_quietly(self, producer: Producer) -> None:
        try:
            producer.flush(self._timeout)
            producer.close()
        except (KafkaException, RuntimeError):
            log.warning("a kafka producer did not close cleanly", exc_info=True)

    def close(self) -> None:
        """Flush what is pending (briefly) and close the client and any failed ones."""
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            self._close_quietly(producer)
        for closer in self._closers:
            closer.join()
        self._closers.clear()
