"""Wire the release builder to the real Kafka and Redis."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import redis

from services.platform.release_store import ReleaseStore
from services.reference.areas import AreaRegistry
from services.release.build_lease import RedisBuildLeases
from services.release.builder import ReleaseBuilder
from services.release.cut import end_offsets, lift_barrier, take_snapshot
from services.release.exact_store import ExactTableStore
from services.release.family_pool import family_mapper
from services.release.settings import ReleaseSettings


def release_builder(
    client: redis.Redis, *, settings: ReleaseSettings, areas: AreaRegistry
) -> ReleaseBuilder:
    """A builder over the configured Kafka topic and Redis prefix."""
    prefix = settings.redis_prefix
    return ReleaseBuilder(
        settings=settings,
        areas=areas,
        store=ReleaseStore(client, prefix=prefix),
        exact=ExactTableStore(client, prefix=prefix),
        leases=RedisBuildLeases(client, prefix=prefix, seconds=settings.release_lease_seconds),
        end_offsets=partial(
            end_offsets, settings.kafka_bootstrap, settings.events_topic, settings.kafka_auth()
        ),
        snapshots=partial(
            take_snapshot, client, prefix=prefix, wait_seconds=settings.release_wait_seconds
        ),
        lift_barrier=partial(lift_barrier, client, prefix=prefix),
        mapper=family_mapper,
        clock=lambda: datetime.now(UTC),
    )
