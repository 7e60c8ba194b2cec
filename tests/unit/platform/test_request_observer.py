"""Every request gets an id, a metric and one access-log line, whatever the route answers."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry

from services.platform.http_metrics import HttpMetrics
from services.platform.json_logging import request_id
from services.platform.request_observer import RequestObserver

ACCESS = "tests.access"


def _app(registry: CollectorRegistry) -> FastAPI:
    app = FastAPI()
    metrics = HttpMetrics(registry, service="ingest", buckets=(0.01, 1))
    app.add_middleware(
        RequestObserver, metrics=metrics, logger=logging.getLogger(ACCESS), unlogged=["/healthz"]
    )

    @app.post("/v1/things/{thing}")
    async def post_thing(thing: str, request: Request) -> dict[str, str | None]:
        request.state.log_fields = {"publisher": "EMIS Web", "accepted": 3}
        logging.getLogger("tests.inside").info("inside")
        return {"request_id": request_id.get()}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("broken")

    @app.get("/healthz")
    async def healthz(fail: bool = False) -> dict[str, str]:
        if fail:
            raise RuntimeError("unwell")
        return {"status": "ok"}

    return app


def _call(app: FastAPI, method: str, path: str, request_id: str | None = None) -> httpx.Response:
    """One request through the app in process (no server), its answer."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            headers = {} if request_id is None else {"X-Request-ID": request_id}
            return await client.request(method, path, headers=headers)

    return asyncio.run(call())


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS]


def test_a_sane_request_id_is_kept_and_logged_with_the_route_template(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = CollectorRegistry()
    with caplog.at_level(logging.INFO):
        answer = _call(_app(registry), "POST", "/v1/things/E09000013", request_id="batch-42")
    assert answer.headers["X-Request-ID"] == "batch-42"
    assert answer.json() == {"request_id": "batch-42"}  # set while the route runs
    (line,) = _lines(caplog)
    fields = {k: getattr(line, k) for k in ("method", "route", "status", "publisher", "accepted")}
    assert fields == {
        "method": "POST",
        "route": "/v1/things/{thing}",
        "status": 200,
        "publisher": "EMIS Web",
        "accepted": 3,
    }
    assert line.getMessage() == "POST /v1/things/{thing} 200"
    assert request_id.get() is None  # not left behind for whatever runs next
    count = registry.get_sample_value(
        "vaxshare_http_requests_total",
        {"service": "ingest", "route": "/v1/things/{thing}", "method": "POST", "status": "200"},
    )
    assert count == 1


@pytest.mark.parametrize("given", ["943 476 5919", "9434765919", "x" * 65, "a b", "", "a;b"])
def test_an_unsafe_or_missing_request_id_is_replaced(given: str) -> None:
    answer = _call(_app(CollectorRegistry()), "POST", "/v1/things/a", request_id=given)
    made = answer.headers["X-Request-ID"]
    assert made != given and len(made) == 32
    assert made.isalpha()  # echoed and logged: a made-up id never reads as an NHS number
    assert answer.json() == {"request_id": made}


def test_a_crash_is_counted_and_logged_as_500_and_unmatched_paths_by_no_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = CollectorRegistry()
    app = _app(registry)
    with caplog.at_level(logging.INFO):
        assert _call(app, "GET", "/boom").status_code == 500
        assert _call(app, "GET", "/9434765919").status_code == 404
    lines = _lines(caplog)
    assert [(r.route, r.status) for r in lines] == [("/boom", 500), ("unmatched", 404)]
    assert not any("9434765919" in r.getMessage() for r in lines)
    crashes = registry.get_sample_value(
        "vaxshare_http_requests_total",
        {"service": "ingest", "route": "/boom", "method": "GET", "status": "500"},
    )
    assert crashes == 1


def test_unlogged_routes_are_counted_and_logged_only_when_they_fail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = CollectorRegistry()
    app = _app(registry)
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            assert _call(app, "GET", "/healthz").status_code == 200
        assert _call(app, "GET", "/healthz?fail=true").status_code == 500
    assert [(r.route, r.status) for r in _lines(caplog)] == [("/healthz", 500)]
    probes = registry.get_sample_value(
        "vaxshare_http_requests_total",
        {"service": "ingest", "route": "/healthz", "method": "GET", "status": "200"},
    )
    assert probes == 3
