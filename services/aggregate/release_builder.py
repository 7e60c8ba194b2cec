"""Build a release: cut, verify, disclosure-control, audit, store; publish or hold it.

A release that fails any check is stored as `held` with its reasons and is never served to
councils; one that passes is a `draft` until an operator publishes it (or the caller asked
for it to be published at once).
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import redis

from services.aggregate.family_pool import family_mapper
from services.aggregate.release_checks import log_counters, run_checks
from services.aggregate.release_cut import end_offsets, take_snapshot
from services.aggregate.release_settings import ReleaseSettings
from services.aggregate.release_tables import ReleaseTables, build_tables, date_range
from services.disclosure.registry import get_policy
from services.platform.redis_keys import RedisKeys, parse_table_field, table_field
from services.platform.release_store import (
    PublishedTable,
    ReleaseMeta,
    ReleaseStatus,
    ReleaseStore,
    publish_blockers,
)
from services.reference.areas import AreaRegistry
from services.reference.breakdowns import select_breakdowns

log = logging.getLogger(__name__)

PROGRAMME_START = date(2020, 12, 8)


class ReleaseError(Exception):
    """A release operation that cannot be done (unknown id, wrong status)."""


@dataclass(frozen=True, slots=True)
class ReleaseBuilder:
    """Creates, publishes and holds releases; adapters injected."""

    redis: redis.Redis
    settings: ReleaseSettings
    areas: AreaRegistry

    @property
    def store(self) -> ReleaseStore:
        return ReleaseStore(self.redis, prefix=self.settings.redis_prefix)

    def create(self, *, as_of: date | None = None, publish: bool = False) -> ReleaseMeta:
        """Cut, verify and protect a new release; store it as draft, held or published."""
        as_of = as_of or (datetime.now(UTC).date() - timedelta(days=1))
        breakdowns = [b.name for b in select_breakdowns(self.settings.aggregate_breakdowns)]
        if "none" not in breakdowns:
            breakdowns.insert(0, "none")
        policy = get_policy(self.settings.disclosure_policy)
        store = self.store
        meta = ReleaseMeta(
            id=store.next_id(),
            as_of=as_of.isoformat(),
            status=ReleaseStatus.BUILDING,
            created_at=_now(),
            policy=policy.name,
            first_date=PROGRAMME_START.isoformat(),
            last_date=as_of.isoformat(),
            breakdowns=breakdowns,
        )
        store.save(meta)
        log.info("release %s: cutting the log", meta.id)
        cut = end_offsets(self.settings.kafka_bootstrap, self.settings.events_topic)
        meta.cut_offsets = {str(p): o for p, o in cut.items()}
        snapshot = take_snapshot(
            self.redis,
            prefix=self.settings.redis_prefix,
            cut=cut,
            ltlas=[a.code for a in self.areas.ltlas()],
            breakdowns=breakdowns,
            wait_seconds=self.settings.release_wait_seconds,
        )
        previous = self._previous()
        dates = date_range(PROGRAMME_START, as_of)
        log.info("release %s: disclosure control over %d days", meta.id, len(dates))
        with family_mapper(self.settings.release_workers) as mapper:
            tables = build_tables(
                snapshot.cells,
                areas=self.areas,
                breakdowns=breakdowns,
                policy=policy,
                dates=dates,
                previous=previous[0] if previous else None,
                previous_dates=previous[1] if previous else (),
                protection_width=self.settings.protection_width,
                mapper=mapper,
            )
        prior_counters = self._prior_counters()
        meta.checks = run_checks(
            snapshot,
            self.areas,
            breakdowns,
            prior_counters=prior_counters,
            dead_letter_limit=self.settings.dead_letter_limit,
            audit_failures=tables.failing_families,
        )
        meta.audit = _audit_summary(tables, policy.name, self.settings.protection_width)
        meta.audit["log_counters"] = log_counters(snapshot)
        meta.held_reasons = [f"{c.name}: {c.detail}" for c in meta.checks if not c.passed]
        meta.etag = _etag(meta)
        store.write_tables(meta.id, tables.tables)
        self._freeze_exact(meta.id, tables)
        if meta.held_reasons:
            meta.status = ReleaseStatus.HELD
            store.save(meta)
            log.warning("release %s held: %s", meta.id, "; ".join(meta.held_reasons))
            return meta
        meta.status = ReleaseStatus.DRAFT
        store.save(meta)
        return self.publish(meta.id) if publish else meta

    def publish(self, release_id: int) -> ReleaseMeta:
        """Publish a draft (or a previously held release an operator has reviewed)."""
        meta = self._get(release_id)
        if meta.status is ReleaseStatus.PUBLISHED:
            return meta
        blockers = publish_blockers(meta)
        if blockers:
            raise ReleaseError(f"release {release_id}: {'; '.join(blockers)}")
        meta.status = ReleaseStatus.PUBLISHED
        meta.published_at = _now()
        self.store.publish(meta)
        log.info("release %s published", release_id)
        return meta

    def hold(self, release_id: int, reason: str) -> ReleaseMeta:
        """Hold a draft with a reason; it is not served until published."""
        meta = self._get(release_id)
        if meta.status is ReleaseStatus.PUBLISHED:
            raise ReleaseError(f"release {release_id} is already published")
        meta.status = ReleaseStatus.HELD
        meta.held_reasons = [*meta.held_reasons, f"held by operator: {reason}"]
        self.store.save(meta)
        return meta

    def _get(self, release_id: int) -> ReleaseMeta:
        meta = self.store.get(release_id)
        if meta is None:
            raise ReleaseError(f"no release {release_id}")
        return meta

    def _prior_counters(self) -> dict[str, int]:
        for meta in self.store.all():
            if meta.status is ReleaseStatus.PUBLISHED:
                return dict(meta.audit.get("log_counters", {}))
        return {}

    def _exact_key(self, release_id: int) -> str:
        return RedisKeys(self.settings.redis_prefix).release_exact(release_id)

    def _freeze_exact(self, release_id: int, tables: ReleaseTables) -> None:
        """Keep the exact tables behind a release (internal) for the next release's audit."""
        key = self._exact_key(release_id)
        items = list(tables.exact.items())
        for start in range(0, len(items), 500):
            mapping = {
                table_field(*k): zlib.compress(
                    json.dumps({"groups": g, "rows": m.tolist()}).encode()
                )
                for k, (g, m) in items[start : start + 500]
            }
            self.redis.hset(key, mapping=mapping)  # type: ignore[arg-type]

    def _previous(
        self,
    ) -> (
        tuple[
            dict[tuple[str, int, str], tuple[tuple[str, ...], np.ndarray, PublishedTable]],
            tuple[date, ...],
        ]
        | None
    ):
        """The latest published release's exact and published tables, for the audit."""
        latest = self.store.latest_published()
        meta = self.store.get(latest) if latest is not None else None
        if meta is None:
            return None
        raw_exact: dict[bytes, bytes] = self.redis.hgetall(self._exact_key(meta.id))  # type: ignore[assignment]
        fields = [f.decode() for f in raw_exact]
        keys = [parse_table_field(f) for f in fields]
        published = self.store.tables(meta.id, keys)
        out: dict[tuple[str, int, str], tuple[tuple[str, ...], np.ndarray, PublishedTable]] = {}
        for key, fld, table in zip(keys, fields, published, strict=True):
            if table is None:
                continue
            data = json.loads(zlib.decompress(raw_exact[fld.encode()]))
            out[key] = (tuple(data["groups"]), np.array(data["rows"], dtype=np.int64), table)
        dates = date_range(date.fromisoformat(meta.first_date), date.fromisoformat(meta.last_date))
        return out, dates


def _audit_summary(tables: ReleaseTables, policy: str, width: int) -> dict[str, object]:
    share = tables.primary_suppressed + tables.secondary_suppressed
    return {
        "policy": policy,
        "protection_width": width,
        "published_cells": tables.published_cells,
        "protected_cells": tables.protected_cells,
        "primary_suppressed": tables.primary_suppressed,
        "secondary_suppressed": tables.secondary_suppressed,
        "suppressed_share": round(share / tables.published_cells, 6)
        if tables.published_cells
        else 0.0,
        "passed": not tables.failing_families,
        "failing_families": tables.failing_families[:50],
        "tightest_interval_width": tables.tightest_width,
    }


def _etag(meta: ReleaseMeta) -> str:
    seed = f"{meta.id}|{meta.as_of}|{meta.created_at}|{meta.policy}"
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
