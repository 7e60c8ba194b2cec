"""A council officer opens the dashboard in a real (headless) Chromium and sees their area."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Stack
from tests.unit.api.api_harness import running_harness

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


def _chromium() -> str:
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


def test_council_signs_in_and_sees_its_charts(
    stack: Stack, prefix: str, artifacts_dir: Path
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    expect = playwright_api.expect
    executable = _chromium()
    with (
        running_harness(stack, prefix) as api,
        playwright_api.sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"{api.client.base_url}/dashboard")
            page.get_by_label("Your API key").fill(api.key["hammersmith"])
            page.get_by_role("button", name="Show my area").click()
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)

            assert page.locator("#area-title").inner_text().startswith("Hammersmith and Fulham")
            release = api.releases["second"]
            shown = page.locator("#release").inner_text()
            assert f"Release {release.id}: data to {release.as_of}" in shown
            published = release.published_at or ""
            assert f"published {published[:10]} {published[11:16]} UTC" in shown
            assert page.locator("#trend svg path.line").count() == 3
            # The headline is over the 16+ population, named with its source.
            headline = page.locator("#headline .figure[data-dose='1']").inner_text()
            assert "149,600 people aged 16+" in headline and "ONS mid-2020" in headline
            assert page.locator("#ethnic svg rect.bar").count() >= 10
            ethnic_rows = page.locator("#ethnic-table tbody tr")
            assert "African" in ethnic_rows.first.inner_text() or ethnic_rows.count() > 10
            assert "Population estimated" in page.locator("#ethnic-population").inner_text()
            assert "standardised" in page.locator("#ethnic5-population").inner_text()
            assert "Census 2021" in page.locator("#ethnic5-population").inner_text()
            for view in ("age", "sex", "imd", "msoa"):
                assert page.locator(f"#{view} svg rect.bar").count() > 1, view
                assert "ONS mid-2020" in page.locator(f"#{view}-population").inner_text(), view
            assert (
                "younger than that were vaccinated" in page.locator("#sex-population").inner_text()
            )
            assert "outside the chosen ages" in page.locator("#age").inner_text()
            # H&F has no neighbourhood in the least deprived decile: no residents, no uptake.
            assert page.locator("#imd svg rect.bar").count() == 9
            assert "no residents" in page.locator("#imd").inner_text()
            assert "fewer than 8" in page.locator(".legend").inner_text()
            page.screenshot(path=str(artifacts_dir / "dashboard-16plus.png"), full_page=True)

            # Over 50+ the ethnic groups are still ranked; sex counts cannot be restricted.
            page.get_by_label("Population", exact=True).select_option("50+")
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)
            assert "aged 50+" in page.locator("#ethnic5-population").inner_text()
            assert "Not available" in page.locator("#sex").inner_text()
            page.get_by_label("Population", exact=True).select_option("16+")
            page.get_by_label("Population source").select_option("nims")
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)
            assert "NIMS" in page.locator("#headline").inner_text()
            page.get_by_label("Population source").select_option("")
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)

            # The dose choice is keyboard operable and redraws with second doses.
            page.get_by_label("Second").check()
            expect(page.locator("#ethnic svg title")).to_contain_text("dose 2")

            with page.expect_download() as download_info:
                page.locator("button.download[data-kind=ethnic_group_detailed]").click()
            download = download_info.value
            assert download.suggested_filename.startswith("vaxshare_E09000013_")
            assert download.suggested_filename.endswith(f"_release-{release.id}.csv")

            page.get_by_label("First").check()
            expect(page.locator("#ethnic svg title")).to_contain_text("dose 1")
            page.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)
        finally:
            browser.close()
    assert (artifacts_dir / "dashboard.png").stat().st_size > 50_000


def test_a_wrong_key_is_refused_in_the_page(stack: Stack, prefix: str) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    with (
        running_harness(stack, prefix, with_releases=False) as api,
        playwright_api.sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{api.client.base_url}/dashboard")
            page.get_by_label("Your API key").fill("vx_0123456789ab_wrong")
            page.get_by_role("button", name="Show my area").click()
            playwright_api.expect(page.locator("#status")).to_contain_text("not accepted")
            assert page.locator("#view").is_hidden()
        finally:
            browser.close()
