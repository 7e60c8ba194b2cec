"""Audit entries of concurrent reads written together: one pipeline per batch, not one
round trip each.

A read still waits until its own entry is in Redis before its answer leaves (an unrecorded
read is never served), and fails if the write does; entries that arrive while a batch is in
flight go in the next one, in the order they came.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from services.api.audit_log import AuditEntry, AuditLog


class AuditBatches:
    """Append audit entries through the asyncio client, batching those that wait together."""

    def __init__(self, log: AuditLog, client: aioredis.Redis) -> None:
        self._log = log
        self._client = client
        self._waiting: list[tuple[AuditEntry, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(self, entry: AuditEntry) -> None:
        """Return once `entry` is recorded; raise what the write raised."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        # Shielded: a caller that goes away does not take its entry, or others', with it.
        await asyncio.shield(done)

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            pipe = self._client.pipeline(transaction=False)
            for entry, _ in batch:
                self._log.queue(pipe, entry)
            try:
                await pipe.execute()
            except asyncio.CancelledError:  # shutting down: nothing recorded, nothing served
                for _, done in batch:
                    done.cancel()
                raise
            except Exception as exc:  # every waiting read fails with the write
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
