"""A published release for the API benchmark, written in the release store's own format.

The tables are the synthetic national counts (`bench.national_counts`) of a few LTLAs,
published under the default policy as the release builder does (rounded, small counts
blank while small, no repair). The disclosure audit is not run: the API serves whatever
tables a published release holds, and the release benchmark times the audit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import redis

from bench.national_counts import PROGRAMME_START, ltla_tables
from services.disclosure.linked.publication import BLANK, rule_only
from services.disclosure.registry import get_policy
from services.platform.release_store import ReleaseStore
from services.reference.breakdowns import DEFAULT_BREAKDOWNS
from services.releases.model import Check, PublishedTable, ReleaseMeta, ReleaseStatus

POLICY = "nhs-digital"


def _published(
    ltla: str, dose: int, name: str, groups: tuple[str, ...], daily: np.ndarray
) -> PublishedTable:
    cumulative, new = rule_only(daily.T, get_policy(POLICY))  # groups × days

    def optional(matrix: np.ndarray) -> tuple[tuple[int | None, ...], ...]:
        return tuple(tuple(None if v == BLANK else int(v) for v in row) for row in matrix)

    return PublishedTable(
        area=ltla,
        dose=dose,
        breakdown=name,
        first_date=PROGRAMME_START,
        groups=groups,
        new=optional(new),
        cumulative=optional(cumulative),
    )


def write_published_release(
    client: redis.Redis, *, prefix: str, ltlas: Sequence[str], days: int
) -> ReleaseMeta:
    """Write and publish one release holding every default breakdown of `ltlas`."""
    rng = np.random.default_rng(2021)
    tables = [
        _published(ltla, dose, name, groups, matrix)
        for ltla in ltlas
        for dose in (1, 2, 3)
        for name, (groups, matrix) in ltla_tables(rng, ltla, dose, days).items()
    ]
    store = ReleaseStore(client, prefix=prefix)
    last = PROGRAMME_START + timedelta(days=days - 1)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    meta = ReleaseMeta(
        id=store.next_id(),
        as_of=last.isoformat(),
        status=ReleaseStatus.DRAFT,
        created_at=now,
        policy=POLICY,
        first_date=PROGRAMME_START.isoformat(),
        last_date=last.isoformat(),
        breakdowns=list(DEFAULT_BREAKDOWNS),
        checks=[Check("benchmark", True, "synthetic counts for the API benchmark")],
        etag=f"bench-{days}",
    )
    store.save(meta)
    store.write_tables(meta.id, tables)
    meta.status = ReleaseStatus.PUBLISHED
    meta.published_at = now
    store.publish(meta)
    return meta
