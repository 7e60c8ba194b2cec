"""Read the exact counts: tables, daily and cumulative series, offsets and statistics.

Used by the release builder (never by the council API, which reads published releases only).
Cumulative values are derived from the daily ones at read time, counting everything since
the programme began, so a late event for an old date moves every later cumulative value.
The aggregators keep counts per count shard (`platform.redis_keys`); every read here sums a
table over the shards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

import redis

from services.platform.redis_keys import RedisKeys, count_table, parse_count_table
from services.reference.areas import load_areas
from services.reference.errors import UnknownAreaError

Table = dict[tuple[date, str], int]


@dataclass(frozen=True, slots=True)
class Series:
    """Daily and cumulative counts per group, for each date from start to end inclusive."""

    dates: list[date]
    groups: list[str]
    daily: dict[str, list[int]]
    cumulative: dict[str, list[int]]


class CountsReader:
    """Reads the active generation of exact counts under one key prefix."""

    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self.client = client
        self.keys = RedisKeys(prefix)

    def generation(self) -> str:
        """The active generation id."""
        raw = cast("bytes | None", self.client.get(self.keys.active_generation))
        return raw.decode() if raw else "1"

    def shards(self) -> list[int]:
        """Every count shard an aggregator ever counted into."""
        raw = cast("set[bytes]", self.client.smembers(self.keys.shards))
        return sorted(int(k) for k in raw)

    def offsets(self) -> dict[int, int]:
        """Next offset to count, per partition, of the active generation."""
        generation = self.generation()
        pipe = self.client.pipeline(transaction=False)
        for shard in self.shards():
            pipe.hgetall(self.keys.offsets(generation, shard))
        raw = cast("list[dict[bytes, bytes]]", pipe.execute())
        return {int(p): int(o) for of_shard in raw for p, o in of_shard.items()}

    def stats(self) -> dict[str, int]:
        """The active generation's counters (consumed, counted, duplicates, ...)."""
        generation = self.generation()
        pipe = self.client.pipeline(transaction=False)
        for shard in self.shards():
            pipe.hgetall(self.keys.stats(generation, shard))
        summed: dict[str, int] = {}
        for raw in cast("list[dict[bytes, bytes]]", pipe.execute()):
            for name, value in raw.items():
                summed[name.decode()] = summed.get(name.decode(), 0) + int(value)
        return summed

    def cells(self, ltla: str, dose: int, breakdown: str) -> Table:
        """Every non-zero daily cell of one table: (date, group) -> count."""
        return self.tables([(ltla, dose, breakdown)])[(ltla, dose, breakdown)]

    def tables(
        self, keys: Sequence[tuple[str, int, str]], *, generation: str | None = None
    ) -> dict[tuple[str, int, str], Table]:
        """Several tables of one generation (default: the active one), summed over the
        count shards, pipelined."""
        generation = generation or self.generation()
        shards = self.shards()
        pipe = self.client.pipeline(transaction=False)
        for shard in shards:
            tables = self.keys.counts_prefix(generation, shard)
            for ltla, dose, breakdown in keys:
                pipe.hgetall(tables + count_table(ltla, dose, breakdown))
        raws = cast("list[dict[bytes, bytes]]", pipe.execute())
        days: dict[bytes, date] = {}
        out: dict[tuple[str, int, str], Table] = {key: {} for key in keys}
        for start in range(0, len(raws), max(1, len(keys))):
            for key, raw in zip(keys, raws[start : start + len(keys)], strict=True):
                _parse(raw, days, out[key])
        return out

    def series(
        self, ltla_codes: Sequence[str], dose: int, breakdown: str, start: date, end: date
    ) -> Series:
        """Daily and cumulative series summed over LTLAs (a UTLA or region is its LTLAs)."""
        summed: dict[str, dict[date, int]] = {}
        for table in self.tables([(code, dose, breakdown) for code in ltla_codes]).values():
            for (day, group), n in table.items():
                by_day = summed.setdefault(group, {})
                by_day[day] = by_day.get(day, 0) + n
        dates = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        daily: dict[str, list[int]] = {}
        cumulative: dict[str, list[int]] = {}
        for group in sorted(summed):
            by_day = summed[group]
            running = sum(n for day, n in by_day.items() if day < start)
            daily[group] = [by_day.get(day, 0) for day in dates]
            cumulative[group] = []
            for n in daily[group]:
                running += n
                cumulative[group].append(running)
        return Series(dates=dates, groups=sorted(summed), daily=daily, cumulative=cumulative)

    def area_series(
        self, area_code: str, dose: int, breakdown: str, start: date, end: date
    ) -> Series:
        """`series` for an LTLA, UTLA or region (summed over the LTLAs in it)."""
        ltlas = load_areas().ltla_codes_in(area_code)
        if not ltlas:
            raise UnknownAreaError(f"{area_code} is not a current LTLA, UTLA or region")
        return self.series(ltlas, dose, breakdown, start, end)

    def scan_cell_keys(self) -> list[tuple[str, int, str]]:
        """Every (ltla, dose, breakdown) table the active generation holds, sorted."""
        generation = self.generation()
        found = set()
        for shard in self.shards():
            tables = self.keys.counts_prefix(generation, shard)
            for key in self.client.scan_iter(match=f"{tables}*", count=1000):
                found.add(parse_count_table(cast("bytes", key).decode()[len(tables) :]))
        return sorted(found)


def _parse(raw: dict[bytes, bytes], days: dict[bytes, date], table: Table) -> Table:
    """Add one shard's cells to ``table``."""
    for field, value in raw.items():
        day_text, _, group = field.partition(b"|")
        day = days.get(day_text)
        if day is None:
            day = days[day_text] = date.fromisoformat(day_text.decode())
        cell = (day, group.decode())
        table[cell] = table.get(cell, 0) + int(value)
    return table
