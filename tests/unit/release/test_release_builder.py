"""`ReleaseBuilder.create` and `fail_stuck` over in-memory collaborators (no Kafka, no Redis)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import redis

from services.reference.areas import load_areas
from services.release.builder import ReleaseBuilder
from services.release.cut import Snapshot
from services.release.errors import DataEndedError, ReleaseUnavailableError
from services.release.ports import CellKey, DisclosureState, ExactTable
from services.release.settings import ReleaseSettings
from services.release.tables import FamilyMapper
from services.releases.errors import ReleaseConflict
from services.releases.model import PublishedTable, ReleaseMeta, ReleaseStatus

HAMMERSMITH = "E09000013"
NOW = datetime(2021, 2, 1, 6, 0, tzinfo=UTC)
LIFTED: list[bool] = []
AS_OF = date(2021, 1, 31)


class MemoryReleases:
    def __init__(self) -> None:
        self.metas: dict[int, ReleaseMeta] = {}
        self.published: dict[int, list[PublishedTable]] = {}
        self.latest: int | None = None

    def next_id(self) -> int:
        return max(self.metas, default=0) + 1

    def save(self, meta: ReleaseMeta) -> None:
        self.metas[meta.id] = meta

    def get(self, release_id: int) -> ReleaseMeta | None:
        return self.metas.get(release_id)

    def all(self) -> list[ReleaseMeta]:
        return sorted(self.metas.values(), key=lambda m: m.id, reverse=True)

    def latest_published_meta(self) -> ReleaseMeta | None:
        return self.metas[self.latest] if self.latest is not None else None

    def publish(self, meta: ReleaseMeta) -> None:
        self.metas[meta.id] = meta
        self.latest = max(meta.id, self.latest or 0)

    def write_tables(self, release_id: int, tables: list[PublishedTable]) -> None:
        self.published.setdefault(release_id, []).extend(tables)

    def tables(self, release_id: int, keys: list[CellKey]) -> list[PublishedTable | None]:
        by_key = {(t.area, t.dose, t.breakdown): t for t in self.published.get(release_id, [])}
        return [by_key.get(k) for k in keys]

    def delete_tables(self, release_id: int) -> None:
        self.published.pop(release_id, None)


class MemoryExact:
    def __init__(self) -> None:
        self.frozen: dict[int, dict[CellKey, ExactTable]] = {}
        self.states: dict[int, DisclosureState] = {}
        self.reads: list[int] = []

    def freeze(self, release_id: int, exact: dict[CellKey, ExactTable]) -> None:
        self.frozen[release_id] = dict(exact)

    def freeze_state(self, release_id: int, state: DisclosureState) -> None:
        self.states[release_id] = state

    def read_state(self, release_id: int) -> DisclosureState:
        return self.states.get(release_id, ({}, {}, {}))

    def read(self, release_id: int) -> dict[CellKey, ExactTable]:
        self.reads.append(release_id)
        return self.frozen.get(release_id, {})

    def delete(self, release_id: int) -> None:
        self.frozen.pop(release_id, None)
        self.states.pop(release_id, None)


class MemoryLeases:
    def __init__(self) -> None:
        self.held: set[int] = set()

    @contextmanager
    def hold(self, release_id: int) -> Iterator[None]:
        self.held.add(release_id)
        try:
            yield
        finally:
            self.held.discard(release_id)

    def alive(self, release_id: int) -> bool:
        return release_id in self.held


class Counts:
    """A snapshot source: 40 first doses in Hammersmith on one day, consumed up to `reached`."""

    def __init__(self, *, behind: int = 0, error: Exception | None = None) -> None:
        self.behind, self.error = behind, error
        self.cuts: list[dict[int, int]] = []

    def __call__(
        self, *, cut: dict[int, int], ltlas: Sequence[str], breakdowns: Sequence[str]
    ) -> Snapshot:
        self.cuts.append(cut)
        if self.error is not None:
            raise self.error
        reached = {p: o - self.behind for p, o in cut.items()}
        snapshot = Snapshot(cut=cut, reached=reached, consumed_to_cut=not self.behind)
        snapshot.cells = {(HAMMERSMITH, 1, "none"): {(date(2021, 1, 10), "all"): 40}}
        snapshot.stats = {"consumed": 40, "counted": 40, "net_counted": 40}
        return snapshot


@contextmanager
def _in_process(workers: int) -> Iterator[FamilyMapper]:
    yield map


def _builder(snapshots: Counts, store: MemoryReleases | None = None) -> ReleaseBuilder:
    return ReleaseBuilder(
        settings=ReleaseSettings(
            aggregate_breakdowns="none",
            release_workers=1,
            redis_username="release",
            redis_password="unused",  # type: ignore[arg-type]
            kafka_username="release",
            kafka_password="unused",  # type: ignore[arg-type]
        ),
        areas=load_areas(),
        store=store or MemoryReleases(),
        exact=MemoryExact(),
        leases=MemoryLeases(),
        end_offsets=lambda: {0: 25, 1: 15},
        snapshots=snapshots,
        lift_barrier=lambda: LIFTED.append(True),
        mapper=_in_process,
        clock=lambda: NOW,
    )


def test_a_release_that_passes_every_check_is_a_draft_cut_at_the_log_end() -> None:
    counts = Counts()
    builder = _builder(counts)
    meta = builder.create(as_of=AS_OF)
    assert meta.status is ReleaseStatus.DRAFT and not meta.held_reasons
    assert all(c.passed for c in meta.checks), meta.checks
    assert counts.cuts == [{0: 25, 1: 15}] and meta.cut_offsets == {"0": 25, "1": 15}
    assert (meta.created_at, meta.last_date) == ("2021-02-01T06:00:00+00:00", "2021-01-31")
    store = builder.store
    assert isinstance(store, MemoryReleases) and store.metas[meta.id] == meta
    shown = store.tables(meta.id, [(HAMMERSMITH, 1, "none")])[0]
    assert shown is not None and shown.new[0][33] == 40  # 10 January is day 33 of the programme
    assert not builder.leases.alive(meta.id), "the lease ends with the build"


def test_publish_at_once_publishes_it_and_the_next_release_is_audited_against_it() -> None:
    builder = _builder(Counts())
    first = builder.create(as_of=AS_OF, publish=True)
    assert first.status is ReleaseStatus.PUBLISHED and first.published_at == NOW.isoformat()
    second = builder.create(as_of=AS_OF)
    assert second.id == first.id + 1 and second.status is ReleaseStatus.DRAFT
    assert isinstance(builder.exact, MemoryExact) and builder.exact.reads == [first.id]


def test_publish_at_once_refuses_data_ending_before_the_latest_and_leaves_a_draft() -> None:
    builder = _builder(Counts())
    builder.create(as_of=AS_OF, publish=True)
    with pytest.raises(ReleaseConflict, match="before those of release 1"):
        builder.create(as_of=AS_OF - timedelta(days=7), publish=True)
    second = builder.store.all()[0]
    assert second.id == 2 and second.status is ReleaseStatus.DRAFT


def test_a_release_whose_aggregators_did_not_reach_the_cut_is_held_with_the_reason() -> None:
    meta = _builder(Counts(behind=3)).create(as_of=AS_OF, publish=True)
    assert meta.status is ReleaseStatus.HELD
    assert any(r.startswith("consumed_to_cut: unconsumed partitions") for r in meta.held_reasons)


def test_a_build_stopped_by_redis_is_marked_failed_with_the_reason_and_reported() -> None:
    builder = _builder(Counts(error=redis.ConnectionError("connection refused")))
    with pytest.raises(ReleaseUnavailableError, match="connection refused"):
        builder.create(as_of=AS_OF)
    (meta,) = builder.store.all()
    assert meta.status is ReleaseStatus.FAILED
    assert meta.held_reasons == ["the build stopped: ConnectionError: connection refused"]
    assert not builder.leases.alive(meta.id)


def test_a_release_ending_years_after_the_last_counted_event_is_refused_before_protection():
    # The feed ends on 10 January 2021; the default as-of (yesterday) would be years later.
    builder = _builder(Counts())
    with pytest.raises(DataEndedError, match=r"end on 2021-01-10.*--as-of 2021-01-10"):
        builder.create(as_of=date(2026, 12, 4))
    (meta,) = builder.store.all()
    assert meta.status is ReleaseStatus.FAILED
    assert "DataEndedError" in meta.held_reasons[0]
    # Four weeks without a counted event is still a release (a quiet spell, not a replay).
    assert builder.create(as_of=date(2021, 2, 7)).status is ReleaseStatus.DRAFT


def test_stuck_building_releases_are_failed_and_live_builds_are_left_alone() -> None:
    store = MemoryReleases()
    builder = _builder(Counts(), store)
    crashed = ReleaseMeta(1, "x", ReleaseStatus.BUILDING, "t", "p", "x", "x", ["none"])
    running = ReleaseMeta(2, "x", ReleaseStatus.BUILDING, "t", "p", "x", "x", ["none"])
    store.save(crashed)
    store.save(running)
    store.write_tables(1, [])
    LIFTED.clear()
    with builder.leases.hold(running.id):
        (failed,) = builder.fail_stuck()
        assert failed.id == 1 and store.metas[1].status is ReleaseStatus.FAILED
        assert "lease lapsed" in store.metas[1].held_reasons[-1]
        assert 1 not in store.published, "a failed build's partial tables are dropped"
        assert store.metas[2].status is ReleaseStatus.BUILDING
        assert not LIFTED, "a live build's barrier stays up"


def test_the_barrier_a_dead_builder_left_up_is_lifted_when_no_build_is_live() -> None:
    store = MemoryReleases()
    store.save(ReleaseMeta(1, "x", ReleaseStatus.BUILDING, "t", "p", "x", "x", ["none"]))
    LIFTED.clear()
    (failed,) = _builder(Counts(), store).fail_stuck()
    assert failed.status is ReleaseStatus.FAILED and LIFTED == [True]
