"""Rendered answers of published releases, kept in memory: a release never changes.

An answer is keyed by its ETag (release + query + format), so a hit is byte-for-byte what a
fresh render would give. Only answers up to a row limit are kept, in an LRU bounded by total
bytes; reads are still scoped, rate limited and audited before the cache is consulted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A rendered body and what the audit log and metrics need to know about it."""

    body: bytes
    rows: int


class AnswerCache:
    """A thread-safe LRU of rendered answers, bounded by their total size in bytes."""

    def __init__(self, *, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedAnswer | None:
        """The answer stored under a key, marking it recently used."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, answer: CachedAnswer) -> None:
        """Keep an answer, dropping the least recently used ones beyond the size bound."""
        if len(answer.body) > self._max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = answer
            self._size += len(answer.body)
            while self._size > self._max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body)
