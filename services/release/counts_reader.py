"""Read the exact counts: tables, daily and cumulative series, offsets and statistics.

Used by the release builder (never by the council API, which reads published releases only).
Cumulative values are derived from the daily ones at read time, counting everything since
the programme began, so a late event for an old date moves every later cumulative value.
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

    def offsets(self) -> dict[int, int]:
        """Next offset to count, per partition, of the active generation."""
        raw = cast("dict[bytes, bytes]", self.client.hgetall(self.keys.offsets(self.generation())))
        return {int(p): int(o) for p, o in raw.items()}

    def stats(self) -> dict[str, int]:
        """The active generation's counters (consumed, counted, duplicates, ...)."""
        raw = cast("dict[bytes, bytes]", self.client.hgetall(self.keys.stats(self.generation())))
        return {k.decode(): int(v) for k, v in raw.items()}

    def cells(self, ltla: str, dose: int, breakdown: str) -> Table:
        """Every non-zero daily cell of one table: (date, group) -> count."""
        key = self.keys.counts(self.generation(), ltla, dose, breakdown)
        raw = cast("dict[bytes, bytes]", self.client.hgetall(key))
        return _parse(raw, {})

    def tables(
        self, keys: Sequence[tuple[str, int, str]], *, generation: str | None = None
    ) -> dict[tuple[str, int, str], Table]:
        """Several tables of one generation (default: the active one), pipelined."""
        tables = self.keys.counts_prefix(generation or self.generation())
        pipe = self.client.pipeline(transaction=False)
        for ltla, dose, breakdown in keys:
            pipe.hgetall(tables + count_table(ltla, dose, breakdown))
        days: dict[bytes, date] = {}
        return {key: _parse(raw, days) for key, raw in zip(keys, pipe.execute(), strict=True)}

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
        tables = self.keys.counts_prefix(self.generation())
        found = []
        for key in self.client.scan_iter(match=f"{tables}*", count=1000):
            found.append(parse_count_table(cast("bytes", key).decode()[len(tables) :]))
        return sorted(found)


def _parse(raw: dict[bytes, bytes], days: dict[bytes, date]) -> Table:
    table: Table = {}
    for field, value in raw.items():
        day_text, _, group = field.partition(b"|")
        day = days.get(day_text)
        if day is None:
            day = days[day_text] = date.fromisoformat(day_text.decode())
        table[(day, group.decode())] = int(value)
    return table
