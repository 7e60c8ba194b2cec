"""`vaxshare api`: run the council API with uvicorn."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import uvicorn

from services.api.app import create_app
from services.api.settings import ApiSettings
from services.platform.json_logging import configure_logging
from services.platform.redis_client import connect
from services.reference.areas import load_areas


def _now() -> datetime:
    return datetime.now(UTC)


def main(argv: list[str] | None = None) -> int:
    """Serve the API on the configured host and port (flags override the environment)."""
    parser = argparse.ArgumentParser(prog="vaxshare api", description=__doc__)
    parser.add_argument("--host", help="interface to listen on (VAXSHARE_API_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (VAXSHARE_API_PORT)")
    args = parser.parse_args(argv)
    settings = ApiSettings()
    configure_logging("api", settings.log_level)
    app = create_app(
        settings=settings,
        redis_client=connect(settings),
        areas=load_areas(),
        clock=_now,
    )
    uvicorn.run(
        app,
        host=args.host or settings.api_host,
        port=args.port or settings.api_port,
        log_config=None,
        access_log=False,
        # The app reads X-Forwarded-For itself, from VAXSHARE_TRUSTED_PROXIES only.
        proxy_headers=False,
    )
    return 0
