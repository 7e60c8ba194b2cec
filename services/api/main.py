"""`vaxshare api`: run the council API with uvicorn, in one process or several workers."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import uvicorn
from fastapi import FastAPI

from services.api.app import create_app
from services.api.log_queue import log_off_the_request_path
from services.api.settings import ApiSettings
from services.platform.gc_tuning import tune_garbage_collection
from services.platform.json_logging import configure_logging
from services.platform.redis_client import connect
from services.reference.areas import load_areas


def _now() -> datetime:
    return datetime.now(UTC)


def app_from_environment() -> FastAPI:
    """The app wired from `VAXSHARE_*` settings (uvicorn calls this in every worker)."""
    settings = ApiSettings()
    configure_logging("api", settings.log_level)
    log_off_the_request_path()
    app = create_app(
        settings=settings,
        redis_client=connect(settings),
        areas=load_areas(),
        clock=_now,
    )
    tune_garbage_collection()
    return app


def main(argv: list[str] | None = None) -> int:
    """Serve the API on the configured host and port (flags override the environment)."""
    parser = argparse.ArgumentParser(prog="vaxshare api", description=__doc__)
    parser.add_argument("--host", help="interface to listen on (VAXSHARE_API_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (VAXSHARE_API_PORT)")
    parser.add_argument(
        "--workers", type=int, help="worker processes (VAXSHARE_API_WORKERS, default 1)"
    )
    args = parser.parse_args(argv)
    settings = ApiSettings()
    configure_logging("api", settings.log_level)
    uvicorn.run(
        "services.api.main:app_from_environment",
        factory=True,
        host=args.host or settings.api_host,
        port=args.port or settings.api_port,
        workers=args.workers or settings.api_workers,
        log_config=None,
        access_log=False,
        # The app reads X-Forwarded-For itself, from VAXSHARE_TRUSTED_PROXIES only.
        proxy_headers=False,
    )
    return 0
