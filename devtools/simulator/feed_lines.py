"""What the column-wise renderers of a simulated feed share: fragment tables and chunking.

A renderer turns a chunk of rows of the feed's administrations into one line each (a string:
text, or Avro bytes as Latin-1 characters) by joining fragments: each covers a few fields, is
made once by the format's own field renderer, and is picked for many rows at once by a code
numpy computes (dose and product together, the JCVI group, IMD decile, flags and site
together, ...), or from a per-value cache for text columns with few values (MSOA, ODS code).
Subclasses render the fields up to the recorded time, which differ between formats; this
class renders the rest. The records the traits made as objects are rendered whole, and
`FeedLines.chunks` merges them in at their places, a few thousand lines at a time: small
enough for the allocator to reuse the same memory for every chunk, which is markedly faster
than fresh pages each time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TypeVar

import numpy as np

from devtools.simulator.config import SimulatedRecord
from devtools.simulator.events import PRODUCTS, SITES, SOURCE_SYSTEMS
from devtools.simulator.feed import SimulatedFeed
from devtools.simulator.population import Ints, Objects

CHUNK = 8_192
K = TypeVar("K", bound=Hashable)
Field = Callable[[str, object], str]  # a field's name and value as the format writes them
_DECILES = 11  # IMD deciles, 0 standing for none
# Text made of these needs neither JSON escaping nor CSV quoting.
_NEEDS_CARE = re.compile(r"[^0-9A-Za-z_.-]")


class Fragments(dict[K, str]):
    """Fragments by value, each made on first use."""

    def __init__(self, make: Callable[[K], str]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, value: K) -> str:
        made = self[value] = self._make(value)
        return made


def table(fragments: list[str]) -> Objects:
    """Fragments as an array, to pick many at once by code."""
    picked = np.empty(len(fragments), dtype=object)
    picked[:] = fragments
    return picked


def span(values: Ints) -> range:
    """From the least value to the greatest (nothing if there are no values)."""
    return range(int(values.min()), int(values.max()) + 1) if len(values) else range(1, 1)


def plain_prefix(prefix: str) -> bool:
    """Whether an event id prefix needs no escaping, quoting nor length of its own."""
    return _NEEDS_CARE.search(prefix) is None


def plain(text: str) -> bool:
    """Whether text is only ASCII letters and digits (and so never escaped nor quoted)."""
    # bytes.isalnum knows only ASCII, and is many times faster than str.isalnum.
    return text.isascii() and text.encode("ascii").isalnum()


class FeedLines:
    """Lines of a feed in delivery order, from the dose number to the end of each line."""

    def __init__(self, feed: SimulatedFeed, field: Field, end: str) -> None:
        self.feed, given = feed, feed.given
        self._products = table(
            [
                field("dose_number", dose)
                + field("vaccine_snomed_code", code)
                + field("vaccine_name", name)
                + field("ltla_code", ltla)
                for dose in range(int(given.dose.max(initial=0)) + 1)
                for code, name in PRODUCTS
                for ltla in feed.areas
            ]
        )
        self._msoas = Fragments[str | None](lambda msoa: field("msoa_code", msoa))
        self._ages = table(
            [field("age_years", age) for age in range(int(given.age.max(initial=0)) + 1)]
        )
        self._sexes = Fragments[object](lambda sex: field("sex", sex))
        self._ethnic = Fragments[str](lambda code: field("ethnic_category", code))
        self._groups = Fragments[int](
            lambda code: (
                field("jcvi_group", code // (_DECILES * 8 * len(SITES)) or None)
                + field("imd_decile", code // (8 * len(SITES)) % _DECILES or None)
                + field("clinically_extremely_vulnerable", bool(code // len(SITES) & 4))
                + field("health_social_care_worker", bool(code // len(SITES) & 2))
                + field("care_home_resident", bool(code // len(SITES) & 1))
                + field("site_type", SITES[code % len(SITES)])
                + field("source_system", SOURCE_SYSTEMS[SITES[code % len(SITES)]])
            )
        )
        self._ods = Fragments[str | None](lambda ods: field("vaccination_site_ods_code", ods) + end)

    def chunks(self) -> Iterator[tuple[str, int]]:
        """The feed's lines, many at a time, with how many lines each piece holds."""
        feed, count = self.feed, len(self.feed.given)
        for start in range(0, len(feed), CHUNK):
            sources = feed.sources[start : start + CHUNK]
            made = sources < 0
            rows = sources[~made]
            rows = np.where(rows >= count, rows - count, rows)
            lines = list(map("".join, zip(*self.head(rows), *self._rest(rows), strict=True)))
            written = len(lines)
            if made.any():
                others = [self.record(feed.objects[i]) for i in (-1 - sources[made]).tolist()]
                merged = np.empty(len(sources), dtype=object)
                merged[~made] = table(lines)
                merged[made] = table([line or "" for line in others])
                lines = merged.tolist()
                written += sum(line is not None for line in others)
            yield "".join(lines), written

    def head(self, rows: Ints) -> list[Iterable[str]]:
        """Columns of fragments from the start of each row's line to its recorded time."""
        raise NotImplementedError

    def record(self, record: SimulatedRecord) -> str | None:
        """The line of a record made as an object (None: the format leaves it out)."""
        raise NotImplementedError

    def _rest(self, rows: Ints) -> list[Iterable[str]]:
        given, areas = self.feed.given, len(self.feed.areas)
        products = (given.dose[rows].astype(np.int64) * len(PRODUCTS) + given.product[rows]) * (
            areas
        ) + given.area[rows]
        flags = (
            given.clinically_extremely_vulnerable[rows] * 4
            + given.health_social_care_worker[rows] * 2
            + given.care_home_resident[rows]
        )
        groups = (given.jcvi_group[rows].astype(np.int64) * _DECILES + given.imd_decile[rows]) * 8
        return [
            self._products[products].tolist(),
            map(self._msoas.__getitem__, given.msoa_code[rows].tolist()),
            self._ages[given.age[rows]].tolist(),
            map(self._sexes.__getitem__, given.sex[rows].tolist()),
            map(self._ethnic.__getitem__, given.ethnic_code[rows].tolist()),
            map(
                self._groups.__getitem__,
                ((groups + flags) * len(SITES) + given.site[rows]).tolist(),
            ),
            map(self._ods.__getitem__, given.ods_code[rows].tolist()),
        ]
