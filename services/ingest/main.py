"""`vaxshare ingest`: build the real adapters and serve the publisher API with uvicorn."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from services.ingest.app import create_app
from services.ingest.settings import IngestSettings
from services.platform.dead_letters import DeadLetterPublisher
from services.platform.gc_tuning import tune_garbage_collection
from services.platform.json_logging import configure_logging
from services.platform.kafka_producer import AckedProducer
from services.platform.key_store import KeyStore
from services.platform.redis_client import connect
from services.reference.areas import load_areas


def utc_now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


def build_app(settings: IngestSettings) -> FastAPI:
    """The ingest app with a real Kafka producer and Redis key store (connected on first use)."""
    client = connect(settings)
    producer = AckedProducer(
        bootstrap=settings.kafka_bootstrap,
        auth=settings.kafka_auth(),
        client_id="vaxshare-ingest",
        timeout_seconds=settings.kafka_timeout_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        producer.close()
        client.close()

    return create_app(
        settings=settings,
        producer=producer,
        dead_letters=DeadLetterPublisher(
            producer=producer,
            client=client,
            topic=settings.dlq_topic,
            prefix=settings.redis_prefix,
        ),
        key_store=KeyStore(client, prefix=settings.redis_prefix),
        areas=load_areas(),
        clock=utc_now,
        lifespan=lifespan,
    )


def app_from_environment() -> FastAPI:
    """The app wired from `VAXSHARE_*` settings (uvicorn calls this in every worker)."""
    settings = IngestSettings()
    configure_logging("ingest", settings.log_level)
    app = build_app(settings)
    tune_garbage_collection()
    return app


def main(argv: list[str] | None = None) -> int:
    """Run the ingest HTTP service until interrupted."""
    parser = argparse.ArgumentParser(
        prog="vaxshare ingest", description="Serve the publisher HTTP API (settings: VAXSHARE_*)."
    )
    parser.add_argument("--host", help="address to bind (default VAXSHARE_INGEST_HOST)")
    parser.add_argument("--port", type=int, help="port (default VAXSHARE_INGEST_PORT)")
    parser.add_argument(
        "--workers", type=int, help="worker processes (default VAXSHARE_INGEST_WORKERS, 1)"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = IngestSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"VAXSHARE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        print(f"vaxshare ingest: bad settings: {problems}", file=sys.stderr)
        return 2
    configure_logging("ingest", settings.log_level)
    uvicorn.run(
        "services.ingest.main:app_from_environment",
        factory=True,
        host=args.host or settings.ingest_host,
        port=args.port or settings.ingest_port,
        workers=args.workers or settings.ingest_workers,
        log_config=None,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
