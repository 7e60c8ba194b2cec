"""The dashboard in headless Debian Chromium: launch, sign in, and checks every width needs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def chromium_executable() -> str:
    """The Debian chromium binary, installed with apt-get when missing and we may."""
    if not Path(CHROMIUM).exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "chromium"],
            env=env,
            capture_output=True,
            check=False,
            timeout=900,
        )
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed and could not be installed (apt-get)")
    return CHROMIUM


def sign_in(page: Any, base_url: str, key: str) -> None:
    """Open the dashboard, sign in with ``key`` and wait until every panel is drawn."""
    page.goto(f"{base_url}/dashboard")
    page.get_by_label("Your API key").fill(key)
    page.get_by_role("button", name="Show my area").click()
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)


def assert_charts_fit(page: Any, width: int) -> None:
    """No sideways scroll, and every chart drawn at the width it is shown (text at full size)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    scales = page.evaluate(
        "[...document.querySelectorAll('.chart svg:not(.map)[viewBox]')]"
        ".filter(s => s.getBoundingClientRect().width > 0)"
        ".map(s => s.getBoundingClientRect().width / s.viewBox.baseVal.width)"
    )
    assert scales and min(scales) >= 0.99 and max(scales) <= 1.01, scales


def serious_accessibility_violations(page: Any) -> list[tuple[str, str, list[Any]]]:
    """axe-core's serious and critical violations on the page (it needs the CSP lifted)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def record_requests(page: Any) -> list[str]:
    """Every URL the page asks for from now on (documents, scripts, styles, maps, data)."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def assert_own_origin(urls: list[str], base_url: str) -> None:
    """Nothing went to a CDN, a tile server or anywhere but the service itself."""
    own = urlsplit(base_url)
    assert urls, "the page made no requests"
    for url in urls:
        # A downloaded CSV is a blob: of the page's own origin.
        where = urlsplit(url.removeprefix("blob:"))
        assert (where.scheme, where.netloc) == (own.scheme, own.netloc), url
