"""Build a release: cut, verify, disclosure-control, audit, store; publish it if asked.

A release that fails any check is stored as `held` with its reasons and is never served to
councils; one that passes is a `draft` until an operator publishes it (or the caller asked
for it to be published at once). While it builds, the builder holds the release's lease; a
build that stops on an error is marked `failed` at once, one whose process died is found by
its lapsed lease (`fail_stuck`) and marked `failed` then. Every collaborator is injected
(`ports`); `bootstrap` wires the real ones.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

import redis
from kafka.errors import KafkaError

from services.disclosure.registry import get_policy
from services.reference.areas import AreaRegistry
from services.reference.breakdowns import select_breakdowns
from services.release.checks import log_counters, run_checks
from services.release.errors import DataEndedError, ReleaseUnavailableError
from services.release.ports import (
    BuildLeases,
    Clock,
    EndOffsets,
    ExactTables,
    LiftBarrier,
    MapperFactory,
    ReleaseRecords,
    SnapshotSource,
)
from services.release.settings import ReleaseSettings
from services.release.tables import (
    CellKey,
    PreviousRelease,
    ReleaseTables,
    build_tables,
    date_range,
)
from services.releases import lifecycle
from services.releases.model import ReleaseMeta, ReleaseStatus

log = logging.getLogger(__name__)

PROGRAMME_START = date(2020, 12, 8)
MAX_DAYS_PAST_DATA = 28
"""A release may end at most this many days after the last counted event."""

_INFRASTRUCTURE = (redis.RedisError, KafkaError)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseBuilder:
    """Creates releases and finds stuck ones; every adapter injected."""

    settings: ReleaseSettings
    areas: AreaRegistry
    store: ReleaseRecords
    exact: ExactTables
    leases: BuildLeases
    end_offsets: EndOffsets
    snapshots: SnapshotSource
    lift_barrier: LiftBarrier
    mapper: MapperFactory
    clock: Clock

    def create(self, *, as_of: date | None = None, publish: bool = False) -> ReleaseMeta:
        """Cut, verify and protect a new release; store it as draft, held or published."""
        as_of = as_of or (self.clock().date() - timedelta(days=1))
        breakdowns = [b.name for b in select_breakdowns(self.settings.aggregate_breakdowns)]
        if "none" not in breakdowns:
            breakdowns.insert(0, "none")
        policy = get_policy(self.settings.disclosure_policy)
        try:
            meta = ReleaseMeta(
                id=self.store.next_id(),
                as_of=as_of.isoformat(),
                status=ReleaseStatus.BUILDING,
                created_at=self._now(),
                policy=policy.name,
                first_date=PROGRAMME_START.isoformat(),
                last_date=as_of.isoformat(),
                breakdowns=breakdowns,
            )
            with self.leases.hold(meta.id):
                self.store.save(meta)
                try:
                    meta = self._build(meta, as_of, breakdowns)
                except BaseException as exc:
                    self._fail(meta, f"the build stopped: {type(exc).__name__}: {exc}")
                    raise
        except _INFRASTRUCTURE as exc:
            raise ReleaseUnavailableError(f"release not built: {exc}") from exc
        if meta.held_reasons:
            log.warning("release %s held: %s", meta.id, "; ".join(meta.held_reasons))
            return meta
        return self._publish(meta) if publish else meta

    def fail_stuck(self) -> list[ReleaseMeta]:
        """Mark failed every building release whose builder is gone, and lift the release
        barrier a dead builder may have left up (unless another build is live); return them."""
        failed = []
        try:
            building = [m for m in self.store.all() if m.status is ReleaseStatus.BUILDING]
            alive = {m.id: self.leases.alive(m.id) for m in building}
            for meta in building:
                if lifecycle.is_stuck(meta, builder_alive=alive[meta.id]):
                    reason = "the build stopped before it finished (its builder's lease lapsed)"
                    failed.append(self._fail(meta, reason))
            if failed and not any(alive.values()):
                self.lift_barrier()
        except _INFRASTRUCTURE as exc:
            raise ReleaseUnavailableError(f"stuck releases not checked: {exc}") from exc
        return failed

    def _build(self, meta: ReleaseMeta, as_of: date, breakdowns: list[str]) -> ReleaseMeta:
        policy = get_policy(self.settings.disclosure_policy)
        log.info("release %s: cutting the log", meta.id)
        cut = self.end_offsets()
        meta.cut_offsets = {str(p): o for p, o in cut.items()}
        ltlas = [a.code for a in self.areas.ltlas()]
        snapshot = self.snapshots(cut=cut, ltlas=ltlas, breakdowns=breakdowns)
        _check_data_reach(snapshot.cells, as_of)
        last = self._last_published()
        dates = date_range(PROGRAMME_START, as_of)
        log.info("release %s: disclosure control over %d days", meta.id, len(dates))
        with self.mapper(self.settings.release_workers) as mapper:
            tables = build_tables(
                snapshot.cells,
                areas=self.areas,
                breakdowns=breakdowns,
                policy=policy,
                dates=dates,
                previous=last,
                protection_width=self.settings.protection_width,
                mapper=mapper,
            )
        meta.checks = run_checks(
            snapshot,
            self.areas,
            breakdowns,
            prior_counters=self._prior_counters(),
            dead_letter_limit=self.settings.dead_letter_limit,
            audit_failures=tables.failing,
        )
        meta.audit = _audit_summary(tables, policy.name, self.settings.protection_width)
        meta.audit["log_counters"] = log_counters(snapshot)
        meta.held_reasons = [f"{c.name}: {c.detail}" for c in meta.checks if not c.passed]
        meta.etag = _etag(meta)
        self.store.write_tables(meta.id, tables.tables)
        self.exact.freeze(meta.id, tables.exact)
        self.exact.freeze_state(meta.id, (tables.levels, tables.first_shown, tables.shown_until))
        built = replace(
            meta, status=ReleaseStatus.HELD if meta.held_reasons else ReleaseStatus.DRAFT
        )
        self.store.save(built)
        return built

    def _publish(self, meta: ReleaseMeta) -> ReleaseMeta:
        latest = self.store.latest_published_meta()
        published = lifecycle.publish(meta, at=self.clock(), latest=latest)
        self.store.publish(published)
        log.info("release %s published", meta.id)
        return published

    def _fail(self, meta: ReleaseMeta, reason: str) -> ReleaseMeta:
        """Mark a building release failed and drop what it wrote (best effort if Redis is down)."""
        failed = lifecycle.fail(meta, reason)
        try:
            self.store.save(failed)
            self.store.delete_tables(meta.id)
            self.exact.delete(meta.id)
        except _INFRASTRUCTURE:
            log.exception("release %s: could not record its failure", meta.id)
        else:
            log.error("release %s failed: %s", meta.id, reason)
        return failed

    def _prior_counters(self) -> dict[str, int]:
        for meta in self.store.all():
            if meta.status is ReleaseStatus.PUBLISHED:
                return dict(meta.audit.get("log_counters", {}))
        return {}

    def _last_published(self) -> PreviousRelease | None:
        """The latest published release's exact counts and disclosure state, for the audit."""
        meta = self.store.latest_published_meta()
        if meta is None:
            return None
        exact = self.exact.read(meta.id)
        if not exact:
            return None
        levels, first_shown, shown_until = self.exact.read_state(meta.id)
        dates = date_range(date.fromisoformat(meta.first_date), date.fromisoformat(meta.last_date))
        return PreviousRelease(dates, exact, meta.policy, levels, first_shown, shown_until)

    def _now(self) -> str:
        return self.clock().isoformat(timespec="seconds")


def _audit_summary(tables: ReleaseTables, policy: str, width: int) -> dict[str, object]:
    levels = list(tables.levels.values())
    withheld = len(get_policy(policy).bases)
    return {
        "policy": policy,
        "protection_width": width,
        "passed": tables.passed,
        "protected_cells": tables.protected_cells,
        "exposed_cells": tables.exposed_cells,
        "failing": tables.failing[:50],
        "coarsened_groups": sum(1 for v in levels if 0 < v < withheld),
        "withheld_groups": sum(1 for v in levels if v >= withheld),
        "held_back_groups": len(tables.first_shown),
        "latest_held_groups": len(tables.shown_until),
        "headline_blank_dates": tables.headline_blank_dates,
        "loss": tables.loss,
    }


def _etag(meta: ReleaseMeta) -> str:
    seed = f"{meta.id}|{meta.as_of}|{meta.created_at}|{meta.policy}"
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def _check_data_reach(cells: Mapping[CellKey, Mapping[tuple[date, str], int]], as_of: date) -> None:
    """Refuse a release whose last date lies weeks past every counted event: each empty day
    would be protected and published (a replayed 2021 feed with the default as-of builds
    years of empty days and runs out of memory)."""
    days = (day for (_, _, b), table in cells.items() if b == "none" for day, _ in table)
    last_counted = max(days, default=None)
    if last_counted is not None and (as_of - last_counted).days > MAX_DAYS_PAST_DATA:
        raise DataEndedError(
            f"the counted events end on {last_counted}, {(as_of - last_counted).days} days "
            f"before the release's last date {as_of}; pass --as-of {last_counted} (or a date "
            f"at most {MAX_DAYS_PAST_DATA} days after it)"
        )
