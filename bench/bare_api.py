"""The reference of the API benchmark: a bare FastAPI app under the same uvicorn settings.

It answers `/healthz` as the council API does, and the bytes of a cached data answer (JSON
and CSV, captured from the real API) from memory, with nothing else: no key, no rate limit,
no audit, no metrics, no log line. The API's figures are read as ratios to these.

    python -m bench.bare_api --port 9000 --bodies DIR   # DIR holds answer.json, answer.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Response


def bare_app(bodies: Path) -> FastAPI:
    """The reference app serving the captured answers."""
    app = FastAPI()
    json_body = (bodies / "answer.json").read_bytes()
    csv_body = (bodies / "answer.csv").read_bytes()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/answer.json")
    async def answer_json() -> Response:
        return Response(json_body, media_type="application/json")

    @app.get("/answer.csv")
    async def answer_csv() -> Response:
        return Response(csv_body, media_type="text/csv; charset=utf-8")

    return app


def main() -> None:
    """Serve the reference app with the council API's uvicorn settings."""
    parser = argparse.ArgumentParser(prog="bare_api")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bodies", type=Path, required=True)
    args = parser.parse_args()
    uvicorn.run(
        bare_app(args.bodies),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
