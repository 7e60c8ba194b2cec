"""Swagger UI and ReDoc served by the service itself, from files installed with it.

NHS and council networks often block public CDNs, where FastAPI's default pages load their
scripts from; these pages load nothing from outside the service. The assets are the pinned
`fastapi-offline` package's copies of Swagger UI and ReDoc (installed from PyPI with the
service, never fetched at run time).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"


def serve_docs(app: FastAPI, *, docs_url: str, redoc_url: str, title: str) -> None:
    """Add Swagger UI at ``docs_url`` and ReDoc at ``redoc_url`` (the app has neither)."""
    openapi_url = app.openapi_url or "/openapi.json"
    assets = f"{docs_url}/assets"
    app.mount(assets, StaticFiles(directory=ASSETS), name=f"docs-assets{docs_url}")

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} — Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
        )

    @app.get(redoc_url, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} — ReDoc",
            redoc_js_url=f"{assets}/redoc.standalone.js",
            redoc_favicon_url=f"{assets}/favicon.png",
            with_google_fonts=False,
        )
