"""The aggregator's Redis adapter: generations, offsets, event states and atomic batches.

The keys (a generation's counts, event states, offsets and stats, the active generation, the
release barrier, dead-letter counts) are named by `platform.redis_keys`; the Lua scripts are
given every key they touch, all in one count shard's hash slot, so the store works the same
on one Redis node and on Redis Cluster. A batch is applied one partition at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from importlib.resources import files
from typing import Any, cast

import redis
from redis.cluster import RedisCluster
from redis.commands.core import Script

from services.aggregate.batch import BatchWrite
from services.aggregate.errors import (
    CorruptCountsError,
    FenceError,
    GenerationError,
    StoreUnavailableError,
)
from services.aggregate.event_state import StoredState, parse
from services.aggregate.generation import GenerationSpec, bucket_of
from services.contract.dead_letter import Stage
from services.contract.redaction import publisher_label
from services.platform.redis_keys import (
    RedisKeys,
    count_table,
    dead_letter_field,
    dead_letter_publisher_field,
)

_REDIS_FAILURES = (redis.ConnectionError, redis.TimeoutError, redis.ResponseError)


@contextmanager
def _wrapped() -> Iterator[None]:
    try:
        yield
    except _REDIS_FAILURES as exc:
        raise StoreUnavailableError(f"redis: {exc}") from exc


class RedisStore:
    """Everything the aggregator reads from and writes to Redis."""

    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self.client = client
        self.keys = RedisKeys(prefix)
        self._registered: set[int] = set()  # shards known to be in `keys.shards`
        self._cluster = isinstance(client, RedisCluster)
        lua = files("services.aggregate")
        self._apply = client.register_script(lua.joinpath("apply_batch.lua").read_text())
        self._read = client.register_script(lua.joinpath("read_states.lua").read_text())
        self._switch = client.register_script(lua.joinpath("switch_generation.lua").read_text())

    def active_generation(self) -> str:
        """The id of the generation councils' releases are cut from."""
        with _wrapped():
            raw = cast("bytes | None", self.client.get(self.keys.active_generation))
        return raw.decode() if raw else "1"

    def spec(
        self, generation: str, *, default: Callable[[], GenerationSpec] | None = None
    ) -> GenerationSpec:
        """The generation's spec; with ``default``, create it first if it has none."""
        key = self.keys.generation_meta(generation)
        with _wrapped():
            if default is not None:
                self.client.hsetnx(key, "spec", default().to_json())
            raw = cast("bytes | None", self.client.hget(key, "spec"))
        if raw is None:
            raise GenerationError(f"generation {generation} has no spec in {key}")
        return GenerationSpec.from_json(raw)

    def new_generation(self, spec: GenerationSpec) -> str:
        """A fresh generation id, newer than every id handed out, with its spec stored."""
        seq = self.keys.generation_seq
        with _wrapped():
            floor = int(self.active_generation())
            self.client.set(seq, floor, nx=True)
            generation = cast("int", self.client.incr(seq))
            while generation <= floor:  # a seq older than the active id: move past it
                generation = cast("int", self.client.incr(seq))
            self.client.hset(self.keys.generation_meta(str(generation)), "spec", spec.to_json())
        return str(generation)

    def shards(self) -> list[int]:
        """Every count shard an aggregator ever counted into (readers sum over them)."""
        with _wrapped():
            raw = cast("set[bytes]", self.client.smembers(self.keys.shards))
        return sorted(int(k) for k in raw)

    def offsets(self, generation: str) -> dict[int, int]:
        """Next offset to consume of every partition the generation has counted from."""
        shards = self.shards()
        with _wrapped():
            pipe = self.client.pipeline(transaction=False)
            for shard in shards:
                pipe.hgetall(self.keys.offsets(generation, shard))
            raw = cast("list[dict[bytes, bytes]]", pipe.execute())
        return {int(p): int(o) for of_shard in raw for p, o in of_shard.items()}

    def barrier(self) -> dict[int, int]:
        """The release barrier: partition -> offset not to count at or beyond (empty if none)."""
        with _wrapped():
            raw = cast("dict[bytes, bytes]", self.client.hgetall(self.keys.barrier))
        return {int(p): int(o) for p, o in raw.items()}

    def read_states(
        self, generation: str, buckets: int, wanted: Mapping[int, Iterable[str]]
    ) -> dict[int, dict[str, StoredState | None]]:
        """The stored state of each event id, by count shard (None if never seen): one script
        call per shard, all in one round trip."""
        calls: list[tuple[list[str], list[Any]]] = []
        order: list[tuple[int, list[str]]] = []
        for shard, event_ids in wanted.items():
            ids = list(event_ids)
            if not ids:
                continue
            keys = _KeyIndex(partial(self.keys.event_states, generation, shard))
            args: list[Any] = []
            for event_id in ids:
                args += (keys.index(bucket_of(event_id, buckets)), event_id)
            calls.append((keys.names, args))
            order.append((shard, ids))
        with _wrapped():
            answers = self._run_all(self._read, calls)
        out: dict[int, dict[str, StoredState | None]] = {shard: {} for shard in wanted}
        for (shard, ids), values in zip(order, answers, strict=True):
            out[shard] = {i: parse(v) for i, v in zip(ids, values, strict=True)}
        return out

    def apply(
        self,
        generation: str,
        buckets: int,
        batches: Sequence[BatchWrite],
        *,
        must_be_active: bool,
        respect_barrier: bool,
    ) -> None:
        """Apply each partition's batch atomically (one script call each, all in one round
        trip); FenceError or CorruptCountsError if any was refused: that one wrote nothing,
        the others landed (Redis's offsets say which)."""
        calls: list[tuple[list[str], list[Any]]] = []
        for batch in batches:
            self._register(batch.shard)
            calls.append(
                self._apply_call(generation, buckets, batch, must_be_active, respect_barrier)
            )
        with _wrapped():
            results = self._run_all(self._apply, calls)
        for batch, result in zip(batches, results, strict=True):
            kind = result[0].decode()
            if kind == "ok":
                continue
            detail = result[1].decode() if len(result) > 1 else ""
            if kind == "negative":
                raise CorruptCountsError(
                    f"a batch would make {detail} negative; rebuild the counts"
                )
            raise FenceError(kind, f"{batch.move[0]}:{detail}")

    def _apply_call(
        self,
        generation: str,
        buckets: int,
        batch: BatchWrite,
        must_be_active: bool,
        respect_barrier: bool,
    ) -> tuple[list[str], list[Any]]:
        partition, stored, new = batch.move
        shard = batch.shard
        keys = [
            self.keys.shard_generation(shard),
            self.keys.shard_barrier(shard),
            self.keys.offsets(generation, shard),
            self.keys.stats(generation, shard),
            self.keys.shard_dead_letter_counts(shard),
            self.keys.shard_dead_letter_publishers(shard),
        ]
        named = _KeyIndex(lambda name: name, first=len(keys) + 1)
        args = [
            generation,
            int(must_be_active),
            int(respect_barrier),
            partition,
            "" if stored is None else stored,
            new,
            *_apply_args(self.keys, generation, shard, buckets, batch, named),
        ]
        return keys + named.names, args

    def _run_all(self, script: Script, calls: list[tuple[list[str], list[Any]]]) -> list[Any]:
        """Run a script once per (keys, args), pipelined: one round trip however many slots
        (a cluster client sends each call to its slot's node)."""
        if len(calls) <= 1:
            return [script(keys=keys, args=args) for keys, args in calls]
        pipe = self.client.pipeline(transaction=False)
        for keys, args in calls:
            if self._cluster:  # a cluster pipeline refuses EVALSHA; EVAL hits the script cache
                pipe.execute_command("EVAL", script.script, len(keys), *keys, *args)
            else:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
        results = cast("list[Any]", pipe.execute(raise_on_error=False))
        for i, result in enumerate(results):
            if isinstance(result, redis.exceptions.NoScriptError):
                keys, args = calls[i]
                results[i] = script(keys=keys, args=args)  # loads it on that node, then runs
            elif isinstance(result, Exception):
                raise result
        return results

    def _register(self, shard: int) -> None:
        """Add a shard to the set readers sum over, before anything of it is written."""
        if shard not in self._registered:
            with _wrapped():
                self.client.sadd(self.keys.shards, shard)
            self._registered.add(shard)

    def switch_generation(self, old: str, new: str, *, partitions: Iterable[int] = ()) -> int:
        """Make ``new`` active: 1 done, 0 a release barrier is up, -1 ``old`` is not active.

        Once switched, each shard's copy of the active generation (which its batches check)
        is set: every shard ever counted into, and those of ``partitions`` (the topic's: a
        shard is a partition mod some count, so numbered below it). Until a shard's copy is set
        its live batches still land in ``old``, which nothing reads any more, and the
        aggregators resume its partitions from ``new``'s offsets once fenced.
        """
        with _wrapped():
            keys = [self.keys.barrier, self.keys.active_generation]
            switched = int(cast("int", self._switch(keys=keys, args=[old, new])))
            if switched == 1:
                pipe = self.client.pipeline(transaction=False)
                for shard in sorted({*partitions, *self.shards()}):
                    pipe.set(self.keys.shard_generation(shard), new)
                pipe.execute()
        return switched

    def drop_generation(self, generation: str) -> int:
        """Delete every key of an inactive generation; returns how many were deleted."""
        if generation == self.active_generation():
            raise GenerationError(f"generation {generation} is active; it cannot be dropped")
        deleted = 0
        with _wrapped():
            batch: list[bytes] = []
            for key in self.client.scan_iter(
                match=self.keys.generation(generation) + "*", count=1000
            ):
                batch.append(key)
                if len(batch) >= 1000:
                    deleted += cast("int", self.client.unlink(*batch))
                    batch = []
            if batch:
                deleted += cast("int", self.client.unlink(*batch))
        return deleted


class _KeyIndex:
    """The KEYS of a script call, each named once, by its 1-based index."""

    def __init__(self, name_of: Callable[[Any], str], *, first: int = 1) -> None:
        self._name_of, self._first = name_of, first
        self._index: dict[Any, int] = {}
        self.names: list[str] = []

    def index(self, what: Any) -> int:
        found = self._index.get(what)
        if found is None:
            found = self._index[what] = self._first + len(self.names)
            self.names.append(self._name_of(what))
        return found


def _apply_args(
    keys: RedisKeys,
    generation: str,
    shard: int,
    buckets: int,
    batch: BatchWrite,
    named: _KeyIndex,
) -> list[str]:
    state_keys: dict[int, int] = {}  # bucket -> its key's index, named once per bucket
    states = []
    for event_id, (before, after) in batch.outcome.writes.items():
        bucket = bucket_of(event_id, buckets)
        key = state_keys.get(bucket)
        if key is None:
            key = state_keys[bucket] = named.index(keys.event_states(generation, shard, bucket))
        states.append(f"{key}\t{event_id}\t{'' if before is None else before}\t{after}\n")
    tables = keys.counts_prefix(generation, shard)
    counts = []
    for (ltla, dose, breakdown), fields in batch.outcome.increments.items():
        key = named.index(tables + count_table(ltla, dose, breakdown))  # once per table
        counts += [f"{key}\t{field}\t{delta}\n" for field, delta in fields.items()]
    stats = _nonzero(
        {**batch.outcome.stats, **_summed(batch.outcome.stats, batch.stats.counters())}
    )
    stage = Stage.AGGREGATE.value
    live = batch.count_dead_letters
    refused = batch.stats.dead_lettered if live else {}
    dead = _nonzero({dead_letter_field(stage, r): n for r, n in refused.items()})
    by_publisher: Counter[str] = Counter()
    for (reason, publisher), n in batch.stats.by_publisher.items() if live else ():
        by_publisher[dead_letter_publisher_field(stage, reason, publisher_label(publisher))] += n
    return [
        "".join(states),
        "".join(counts),
        "".join(f"{name}\t{n}\n" for name, n in stats.items()),
        "".join(f"{name}\t{n}\n" for name, n in dead.items()),
        "".join(f"{name}\t{n}\n" for name, n in _nonzero(by_publisher).items()),
    ]


def _summed(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + v for k, v in b.items()}


def _nonzero(counts: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}
