"""A council API on a real Redis with example releases and one key per kind of caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import redis
from fastapi import FastAPI

from services.api.app import create_app
from services.api.settings import ApiSettings
from services.platform.key_store import KeyStore
from services.platform.redis_client import connect
from services.platform.release_store import ReleaseStore
from services.reference.areas import load_areas
from services.releases.model import ReleaseMeta, ReleaseStatus
from tests.conftest import Servers, redis_login
from tests.unit.api.live_server import serve
from tests.unit.api.release_examples import BRENT, BURNLEY, HAMMERSMITH, LANCASHIRE, write_release

DAYS = 60
NOW = datetime(2021, 3, 8, 9, 30, tzinfo=UTC)


@dataclass
class Harness:
    """The app, its Redis, its stores, its releases and keys by caller name."""

    app: FastAPI
    client: httpx.Client
    redis: redis.Redis
    prefix: str
    settings: ApiSettings
    store: ReleaseStore
    keys: KeyStore
    key: dict[str, str] = field(default_factory=dict)
    releases: dict[str, ReleaseMeta] = field(default_factory=dict)
    operator_env: dict[str, str] = field(default_factory=dict)  # the operator's credentials

    def get(self, path: str, who: str | None, **params: Any) -> httpx.Response:
        """GET as one of the named callers (None: no key)."""
        headers = {"Authorization": f"Bearer {self.key[who]}"} if who else {}
        clean = {k: v for k, v in params.items() if v is not None}
        return self.client.get(path, params=clean, headers=headers)

    def post(self, path: str, who: str, json: Any = None) -> httpx.Response:
        """POST as one of the named callers."""
        headers = {"Authorization": f"Bearer {self.key[who]}"}
        return self.client.post(path, json=json, headers=headers)


@contextmanager
def running_harness(
    servers: Servers,
    prefix: str,
    *,
    clock: Callable[[], datetime] = lambda: NOW,
    with_releases: bool = True,
    **settings: Any,
) -> Iterator[Harness]:
    """Serve the app (keys for operator, publisher, H&F, Brent, Lancashire and Burnley).

    The app logs in as the API's Redis user; the harness, which writes releases and keys as
    the operators' tooling would, as the operator.
    """
    client = redis_login(servers.secrets, "operator", servers.redis_url)
    config = ApiSettings(
        redis_url=servers.redis_url,
        redis_prefix=prefix,
        **servers.secrets.service_settings("api"),
        **settings,
    )
    app_client = connect(config)
    app = create_app(settings=config, redis_client=app_client, areas=load_areas(), clock=clock)
    with serve(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        yield _populate(
            Harness(
                app=app,
                client=http,
                redis=client,
                prefix=prefix,
                settings=config,
                store=ReleaseStore(client, prefix=prefix),
                keys=KeyStore(client, prefix=prefix),
                operator_env=servers.secrets.service_env("operator"),
            ),
            with_releases=with_releases,
        )
    app_client.close()
    client.close()


def _populate(harness: Harness, *, with_releases: bool) -> Harness:
    for who, role, areas in (
        ("operator", "operator", ()),
        ("publisher", "publisher", ()),
        ("hammersmith", "council", (HAMMERSMITH,)),
        ("brent", "council", (BRENT,)),
        ("lancashire", "council", (LANCASHIRE,)),
        ("burnley", "council", (BURNLEY,)),
    ):
        key, _ = harness.keys.create(role, f"{who} test key", areas)
        harness.key[who] = key
    if with_releases:
        harness.releases["first"] = write_release(harness.store, days=DAYS - 7)
        harness.releases["second"] = write_release(harness.store, days=DAYS)
        harness.releases["draft"] = write_release(
            harness.store, days=DAYS + 7, status=ReleaseStatus.DRAFT
        )
    return harness
