"""The publisher HTTP API: batches of events (JSON, JSON Lines, Avro) and FHIR Immunizations.

Everything the app talks to is passed in; `main` builds the real adapters. Events are parsed
and stored in a worker thread so that waiting for Kafka never blocks the event loop. A body
must arrive within `VAXSHARE_BODY_READ_TIMEOUT_SECONDS` (else 408, nothing taken); a client
that goes away before it did is not a server error: it is answered (to no one) with 499,
counted under that status and logged at INFO.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import orjson
from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from services.contract.area_lookup import AreaLookup
from services.contract.pseudonym import Pseudonymiser
from services.ingest import api_docs, fhir_answers
from services.ingest.api_models import BatchResponse, ErrorResponse
from services.ingest.auth import authenticate_publisher
from services.ingest.batch_parsing import EVENT_TYPES, ParsedItem, media_type, parse_batch
from services.ingest.errors import BodyRejected, ClientGone, RequestRefused
from services.ingest.fhir import FHIR_TYPES, parse_fhir
from services.ingest.ingestion import Ingestion, ItemResult
from services.ingest.metrics import IngestMetrics
from services.ingest.request_body import read_body
from services.ingest.settings import IngestSettings
from services.offline_docs import serve_docs
from services.platform.dead_letters import DeadLetterPublisher
from services.platform.errors import KafkaUnavailable
from services.platform.kafka_producer import AckedProducer
from services.platform.key_store import KeyStore
from services.platform.request_observer import RequestObserver

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
# nginx's code for a request the client closed before it was answered: not a server error.
CLIENT_CLOSED_REQUEST = 499
log = logging.getLogger(__name__)


def create_app(
    *,
    settings: IngestSettings,
    producer: AckedProducer,
    dead_letters: DeadLetterPublisher,
    key_store: KeyStore,
    areas: AreaLookup,
    clock: Callable[[], datetime],
    metrics: IngestMetrics | None = None,
    lifespan: Lifespan | None = None,
) -> FastAPI:
    """The ingest FastAPI app wired to the given adapters."""
    metrics = metrics or IngestMetrics()
    ingestion = Ingestion(
        producer=producer,
        dead_letters=dead_letters,
        pseudonymiser=Pseudonymiser(settings.pseudonym_key.get_secret_value().encode()),
        areas=areas,
        clock=clock,
        events_topic=settings.events_topic,
        metrics=metrics,
    )
    app = FastAPI(
        title="vaxshare ingest",
        version="1",
        description=api_docs.DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    serve_docs(app, docs_url="/docs", redoc_url="/redoc", title=app.title)
    app.state.metrics = metrics
    app.add_middleware(
        RequestObserver, metrics=metrics.http, logger=logging.getLogger("services.ingest.access")
    )
    _install_error_handlers(app, settings)

    async def receive(
        request: Request, authorization: str | None, media_types: frozenset[str]
    ) -> tuple[str, bytes]:
        """The authenticated publisher's name and the request body."""
        principal = authenticate_publisher(
            key_store, authorization, retry_after=settings.retry_after_seconds
        )
        if media_type(request.headers.get("content-type")) not in media_types:
            raise BodyRejected(
                "unsupported_media_type",
                f"Content-Type must be one of {', '.join(sorted(media_types))}",
                status=415,
            )
        request.state.log_fields = {"publisher": principal.name}
        body = await read_body(
            request, limit=settings.max_body_bytes, timeout=settings.body_read_timeout_seconds
        )
        return principal.name, body

    async def store(
        request: Request, items: list[ParsedItem], publisher: str, all_or_nothing: bool = False
    ) -> list[ItemResult]:
        """Admit and store the items; their results, in order."""
        results = await run_in_threadpool(
            ingestion.ingest, items, publisher=publisher, all_or_nothing=all_or_nothing
        )
        accepted = sum(1 for r in results if r.status == "accepted")
        request.state.log_fields.update(accepted=accepted, rejected=len(results) - accepted)
        return results

    @app.post(
        "/v1/events",
        summary="Publish a batch of vaccination events",
        description=api_docs.EVENTS,
        response_model=BatchResponse,
        responses=api_docs.BATCH_RESPONSES,
        openapi_extra=api_docs.events_request_body(),
        tags=["events"],
    )
    async def post_events(request: Request, authorization: str | None = Header(None)) -> Response:
        publisher, body = await receive(request, authorization, EVENT_TYPES)
        items = await run_in_threadpool(
            parse_batch,
            body,
            request.headers.get("content-type"),
            max_events=settings.max_batch_events,
        )
        results = await store(request, items, publisher)
        accepted = sum(1 for r in results if r.status == "accepted")
        rejected = len(results) - accepted
        answer = {
            "accepted": accepted,
            "rejected": rejected,
            "results": [_item(r) for r in results],
        }
        return Response(
            _json(answer),
            media_type="application/json",
            status_code=200 if not rejected else 207 if accepted else 422,
        )

    @app.post(
        "/fhir/Immunization",
        summary="Publish a FHIR R4 Immunization or a Bundle of them",
        description=api_docs.FHIR,
        response_class=Response,
        responses=api_docs.FHIR_RESPONSES,
        openapi_extra=api_docs.fhir_request_body(),
        tags=["fhir"],
    )
    async def post_fhir(request: Request, authorization: str | None = Header(None)) -> Response:
        publisher, body = await receive(request, authorization, FHIR_TYPES)
        document = await run_in_threadpool(parse_fhir, body, max_events=settings.max_batch_events)
        results = await store(
            request,
            document.items,
            publisher,
            all_or_nothing=document.bundle_type == "transaction",
        )
        status, answer, created = fhir_answers.answer(
            results, [item.source for item in document.items], document.bundle_type
        )
        headers = (
            {"Location": f"{str(request.base_url).rstrip('/')}/fhir/{created}"} if created else None
        )
        return Response(
            _json(answer), media_type=fhir_answers.FHIR_JSON, status_code=status, headers=headers
        )

    @app.get("/healthz", summary="The process is up", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        summary="Kafka is reachable",
        tags=["operations"],
        responses={503: {"model": ErrorResponse, "description": "Kafka is not reachable"}},
    )
    async def readyz() -> Response:
        if await run_in_threadpool(producer.ping):
            return JSONResponse({"status": "ready", "kafka": "reachable"})
        return _error(503, "kafka_unavailable", "Kafka is not reachable")

    @app.get(
        "/metrics",
        summary="Prometheus metrics",
        tags=["operations"],
        response_class=PlainTextResponse,
    )
    def prometheus_metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _item(result: ItemResult) -> dict[str, object]:
    """The answer for one event, shaped as `ItemResultModel` documents it."""
    return {
        "index": result.index,
        "status": result.status,
        "event_id": result.event_id,
        "reason": result.reason,
        "message": result.message,
        "field": result.field,
    }


def _json(body: dict[str, Any]) -> bytes:
    # orjson renders a 1,000-event answer several times faster than the stdlib; text it cannot
    # write as UTF-8 (a lone surrogate) goes through the stdlib, which escapes it.
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        return json.dumps(body).encode()


def _error(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    *,
    request: Request | None = None,
) -> Response:
    """An error answer: `{"error": ...}`, or an OperationOutcome on the FHIR endpoint."""
    if request is not None and request.url.path.startswith("/fhir/"):
        return Response(
            _json(fhir_answers.request_refused(status, code, message)),
            status_code=status,
            headers=headers,
            media_type=fhir_answers.FHIR_JSON,
        )
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI, settings: IngestSettings) -> None:
    @app.exception_handler(RequestRefused)
    async def refused(request: Request, exc: RequestRefused) -> Response:
        return _error(exc.status, exc.code, exc.message, exc.headers, request=request)

    @app.exception_handler(ClientGone)
    async def client_gone(request: Request, exc: ClientGone) -> Response:
        log.info("the client closed the connection before its request body arrived")
        return Response(status_code=CLIENT_CLOSED_REQUEST)

    @app.exception_handler(KafkaUnavailable)
    async def kafka_down(request: Request, exc: KafkaUnavailable) -> Response:
        return _error(
            503,
            "kafka_unavailable",
            "events cannot be stored right now; nothing in this request was accepted; "
            "send it again later",
            {"Retry-After": str(settings.retry_after_seconds)},
            request=request,
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        headers = getattr(exc, "headers", None)
        return _error(exc.status_code, code, str(exc.detail), headers, request=request)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return _error(422, "invalid_request", "the request does not match the API", request=request)
