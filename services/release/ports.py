"""What the release builder needs from the world, as narrow interfaces injected into it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

import numpy as np

from services.disclosure.linked.model import RowKey
from services.release.cut import Snapshot
from services.release.tables import FamilyMapper
from services.releases.model import PublishedTable, ReleaseMeta

CellKey = tuple[str, int, str]
"""(area code, dose, breakdown name)."""

ExactTable = tuple[tuple[str, ...], np.ndarray]
"""An exact table: its groups and its [groups × dates] daily counts."""

DisclosureState = tuple[dict[RowKey, int], dict[RowKey, int], dict[RowKey, int]]
"""Each row's coarsening level, first shown date and (where its latest figures are blank)
shown until date, as disclosure control left them."""

EndOffsets = Callable[[], dict[int, int]]
"""The end offset of every partition of the events topic, now."""

Clock = Callable[[], datetime]

LiftBarrier = Callable[[], None]
"""Drop the release barrier, so the aggregators count on past the cut."""

MapperFactory = Callable[[int], AbstractContextManager[FamilyMapper]]
"""A family mapper on up to so many worker processes, for the length of a build."""


class SnapshotSource(Protocol):
    """Freezes the exact counts at a cut (holding the aggregators there while it reads)."""

    def __call__(
        self, *, cut: dict[int, int], ltlas: Sequence[str], breakdowns: Sequence[str]
    ) -> Snapshot: ...


class ReleaseRecords(Protocol):
    """Release metadata and published tables (`platform.release_store.ReleaseStore`)."""

    def next_id(self) -> int: ...
    def save(self, meta: ReleaseMeta) -> None: ...
    def all(self) -> list[ReleaseMeta]: ...
    def latest_published_meta(self) -> ReleaseMeta | None: ...
    def publish(self, meta: ReleaseMeta) -> None: ...
    def write_tables(self, release_id: int, tables: list[PublishedTable]) -> None: ...
    def tables(self, release_id: int, keys: list[CellKey]) -> list[PublishedTable | None]: ...
    def delete_tables(self, release_id: int) -> None: ...


class ExactTables(Protocol):
    """The exact tables behind each release, kept internal for the next release's audit."""

    def freeze(self, release_id: int, exact: dict[CellKey, ExactTable]) -> None: ...
    def read(self, release_id: int) -> dict[CellKey, ExactTable]: ...
    def freeze_state(self, release_id: int, state: DisclosureState) -> None: ...
    def read_state(self, release_id: int) -> DisclosureState: ...
    def delete(self, release_id: int) -> None: ...


class BuildLeases(Protocol):
    """A lease a builder holds, renewed, while it builds a release; it lapses if it dies."""

    def hold(self, release_id: int) -> AbstractContextManager[None]: ...
    def alive(self, release_id: int) -> bool: ...
