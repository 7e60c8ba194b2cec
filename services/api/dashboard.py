"""The council dashboard: one page and its assets, shipped in the package (no CDN)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse, HTMLResponse

from services.api.auth import Context
from services.api.errors import NotFoundError
from services.api.map_shapes import ATTRIBUTION, map_of
from services.reference.areas import AreaRegistry

STATIC_DIR = Path(__file__).parent / "static"

# Scripts and styles only from this origin; the key never leaves the page except to the API.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard_charts.js": "text/javascript; charset=utf-8",
    "dashboard_maps.js": "text/javascript; charset=utf-8",
    "dashboard_signal.js": "text/javascript; charset=utf-8",
    "dashboard_groups.js": "text/javascript; charset=utf-8",
    "dashboard_neighbourhoods.js": "text/javascript; charset=utf-8",
    "dashboard_compare.js": "text/javascript; charset=utf-8",
}

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard() -> HTMLResponse:
    """The dashboard page."""
    html = (STATIC_DIR / "dashboard.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@router.get("/dashboard/static/{name}")
def asset(name: str) -> FileResponse:
    """One of the dashboard's own assets (a fixed list: no path from the request is opened)."""
    if name not in ASSETS:
        raise NotFoundError(f"no dashboard asset {name!r}")
    return FileResponse(STATIC_DIR / name, media_type=ASSETS[name], headers=SECURITY_HEADERS)


def _region_of(registry: AreaRegistry, code: str) -> str | None:
    area = registry.get(code)
    while area is not None and area.type != "region":
        parent = area.parent_code
        area = registry.get(parent) if parent and parent != area.code else None
    return area.code if area else None


@functools.cache
def _maps_body(registry: AreaRegistry, code: str) -> bytes:
    area = registry.get(code)
    if area is None or area.type == "region":
        raise NotFoundError(f"no council area {code!r} to map")
    msoas = [m for ltla in registry.ltla_codes_in(code) for m in registry.msoas_in(ltla)]
    region = _region_of(registry, code)
    ltlas = list(registry.ltla_codes_in(region)) if region else list(registry.ltla_codes_in(code))
    msoa_box, msoa_paths = map_of("msoa11", msoas)
    ltla_box, ltla_paths = map_of("ltla21", ltlas)
    region_area = registry.get(region) if region else None

    def named(code: str) -> str:
        found = registry.get(code)
        return found.name if found else code

    body = {
        "code": area.code,
        "name": area.name,
        "region": {"code": region, "name": region_area.name if region_area else None},
        "msoa": {
            "view_box": msoa_box,
            "areas": [
                {"code": m, "name": registry.msoa_name(m), "path": msoa_paths[m]} for m in msoas
            ],
        },
        "ltla": {
            "view_box": ltla_box,
            "areas": [{"code": c, "name": named(c), "path": ltla_paths[c]} for c in ltlas],
        },
        "attribution": ATTRIBUTION,
    }
    return json.dumps(body, separators=(",", ":")).encode()


@router.get("/dashboard/maps/{code}")
def maps(ctx: Context, code: str) -> Response:
    """Public boundaries of an area's MSOAs and of its region's LTLAs, as SVG paths."""
    body = _maps_body(ctx.areas, code.upper())
    headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"}
    return Response(body, media_type="application/json", headers=headers)
