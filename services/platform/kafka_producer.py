"""An idempotent Kafka producer that answers only once the broker acknowledged every record.

`send_all` sends a batch and waits for every acknowledgement (acks=all) or raises
`KafkaUnavailable`: the caller may report records as stored only when it returns. The
underlying client is created on first use (no I/O at construction) and rebuilt after a
failure, so a restarted broker is picked up without restarting the service.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from kafka import KafkaProducer
from kafka.errors import KafkaError

from services.platform.errors import KafkaUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """One record to produce: topic, partitioning key, value and optional headers."""

    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


class AckedProducer:
    """Idempotent producer (acks=all) whose sends return only after every acknowledgement."""

    def __init__(self, *, bootstrap: str, client_id: str, timeout_seconds: float = 10.0) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._timeout = timeout_seconds
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self._closers: list[threading.Thread] = []

    def _client(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                timeout_ms = int(self._timeout * 1000)
                self._producer = KafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id=self._client_id,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=2,
                    max_block_ms=timeout_ms,
                    bootstrap_timeout_ms=timeout_ms,
                    request_timeout_ms=max(1000, timeout_ms // 2),
                    delivery_timeout_ms=timeout_ms,
                    reconnect_backoff_max_ms=1000,
                )
            return self._producer

    def send_all(self, records: Sequence[OutgoingRecord]) -> None:
        """Produce every record and wait for its acknowledgement; KafkaUnavailable otherwise."""
        if not records:
            return
        deadline = time.monotonic() + self._timeout
        try:
            producer = self._client()
            futures = [
                producer.send(r.topic, key=r.key, value=r.value, headers=list(r.headers) or None)
                for r in records
            ]
            producer.flush(timeout=max(0.0, deadline - time.monotonic()))
            for future in futures:
                future.get(timeout=max(0.0, deadline - time.monotonic()))
        except KafkaError as exc:
            self._discard()
            raise KafkaUnavailable(f"Kafka did not acknowledge the batch: {exc}") from exc

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

    def _discard(self) -> None:
        # After a failed delivery an idempotent client may hold expired sequence state; a new
        # client starts a fresh producer id (the consumer side ignores any duplicate). The old
        # one is closed in the background: close() first flushes, and its pending batches only
        # fail once their delivery timeout has passed.
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            closer = threading.Thread(
                target=self._close_quietly, args=(producer,), name="kafka-producer-closer"
            )
            closer.start()
            self._closers = [c for c in self._closers if c.is_alive()] + [closer]

    def _close_quietly(self, producer: KafkaProducer) -> None:
        try:
            producer.close(timeout=2 * self._timeout)
        except KafkaError:
            log.warning("a failed kafka producer did not close cleanly", exc_info=True)

    def close(self) -> None:
        """Flush what is pending (briefly) and close the client and any failed ones."""
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            self._close_quietly(producer)
        for closer in self._closers:
            closer.join()
        self._closers.clear()
