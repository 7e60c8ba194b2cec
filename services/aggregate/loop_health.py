"""Liveness and readiness of the consumer loop, from when it last went round and last heard
from Redis.

A halted aggregator (it found the stored counts inconsistent and stopped counting for good)
is alive but never ready: orchestrators keep it up, and do not restart it in a loop, until
an operator has rebuilt the counts and restarts it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

READY_WITHIN_SECONDS = 60
ALIVE_WITHIN_SECONDS = 120


@dataclass(slots=True)
class LoopHealth:
    """Monotonic times of the last loop round and the last Redis answer."""

    last_loop: float = field(default_factory=time.monotonic)
    last_redis_ok: float = 0.0
    halted: bool = False

    def halt(self) -> None:
        self.halted = True

    def looped(self) -> None:
        self.last_loop = time.monotonic()

    def redis_answered(self) -> None:
        self.last_redis_ok = time.monotonic()

    def ready(self) -> bool:
        """True while the loop runs and Redis answered recently."""
        now = time.monotonic()
        return not self.halted and (
            now - self.last_loop < READY_WITHIN_SECONDS
            and now - self.last_redis_ok < READY_WITHIN_SECONDS
        )

    def alive(self) -> bool:
        """True while the loop is not stuck (or it halted on purpose)."""
        return self.halted or time.monotonic() - self.last_loop < ALIVE_WITHIN_SECONDS
