"""A council officer opens the dashboard in a real (headless) Chromium and sees their area."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Stack
from tests.e2e.headless_dashboard import (
    CHROMIUM_ARGS,
    assert_charts_fit,
    assert_own_origin,
    chromium_executable,
    record_requests,
    serious_accessibility_violations,
    sign_in,
)
from tests.e2e.signal_figures import check_funnel, check_slope_index
from tests.unit.api.api_harness import running_harness
from tests.unit.api.release_examples import BRENT, ENGLAND, HAMMERSMITH, LONDON


def test_council_signs_in_and_sees_its_charts(
    stack: Stack, prefix: str, artifacts_dir: Path
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    expect = playwright_api.expect
    executable = chromium_executable()
    with (
        running_harness(stack, prefix) as api,
        playwright_api.sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests = record_requests(page)
            page.goto(f"{api.client.base_url}/dashboard")
            page.get_by_label("Your API key").fill(api.key["hammersmith"])
            page.get_by_role("button", name="Show my area").click()
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)

            assert page.locator("#area-title").inner_text().startswith("Hammersmith and Fulham")
            release = api.releases["second"]
            shown = page.locator("#release").inner_text()
            # One data end date, the last day counted, in the status line and the picker alike.
            assert release.last_date != release.as_of
            assert f"Release {release.id}: data to {release.last_date}," in shown
            assert f"data to {release.as_of}" not in shown and "last day" not in shown
            picked = page.locator("#release-pick option:checked").inner_text()
            assert picked.startswith(f"Release {release.id}, data to {release.last_date}")
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
            assert "protect" in page.locator(".legend").inner_text()
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
            page.get_by_label("Second", exact=True).check()
            expect(page.locator("#ethnic svg title")).to_contain_text("dose 2")

            with page.expect_download() as download_info:
                page.locator("button.download[data-kind=ethnic_group_detailed]").click()
            download = download_info.value
            assert download.suggested_filename.startswith("vaxshare_E09000013_")
            assert download.suggested_filename.endswith(f"_release-{release.id}.csv")

            page.get_by_label("First", exact=True).check()
            expect(page.locator("#ethnic svg title")).to_contain_text("dose 1")
            page.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)
            # Scripts, styles, data and the CSV downloaded: all from the service itself.
            assert_own_origin(requests, str(api.client.base_url))
        finally:
            browser.close()
    assert (artifacts_dir / "dashboard.png").stat().st_size > 50_000


def test_a_wrong_key_is_refused_in_the_page(stack: Stack, prefix: str) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_executable()
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


BREAKDOWN_TABLES = (
    ("ethnic_group_detailed", "ethnic"),
    ("age_band", "age"),
    ("sex", "sex"),
    ("imd_decile", "imd"),
    ("msoa", "msoa"),
)


def _compare_rows(page: object) -> dict[str, tuple[str, str]]:
    """The neighbours-and-England table: area -> (uptake, population) as the page shows them."""
    rows = page.locator("#compare-table tbody tr")  # type: ignore[attr-defined]
    shown = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        # "London (2 of 33 districts have figures)": a total over only some districts says so.
        shown[cells[0].split(" (")[0]] = (cells[1], cells[4])
    return shown


@pytest.mark.parametrize("width", [1400, 400])
def test_director_sees_maps_neighbours_and_signal_on_desk_and_phone(
    stack: Stack, prefix: str, artifacts_dir: Path, width: int
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_executable()
    with (
        running_harness(stack, prefix) as api,
        playwright_api.sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            # The CSP admits only the page's own scripts; the test lifts it to inject axe-core.
            page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
            requests = record_requests(page)
            sign_in(page, str(api.client.base_url), api.key["hammersmith"])
            release = api.releases["second"]

            # Which release: the picker lists every published release with its data end.
            picker = page.locator("#release-pick option")
            assert picker.count() == 2
            shown_releases = picker.all_inner_texts()
            data_end = release.last_date or release.as_of
            assert any(f"Release {release.id}, data to {data_end}" in t for t in shown_releases)

            # The MSOA map: every H&F neighbourhood drawn, the area's uptake as the API gives it.
            summary = api.get(
                "/v1/areas/E09000013/summary", "hammersmith", breakdown="msoa", dose=1
            ).json()
            area_uptake = summary["groups"][0]["area_uptake_percent"]
            assert page.locator("#msoamap path.area").count() == 25
            assert (
                f"Area uptake {area_uptake:.1f}%"
                in page.locator("#msoamap-population").inner_text()
            )
            legend = page.locator("#msoamap .map-legend").inner_text()
            assert "aged 16+" in legend and "ONS mid-2020" in legend
            assert f"release {release.id}" in legend
            lowest = min(
                (g for g in summary["groups"] if g["uptake_percent"] is not None),
                key=lambda g: g["uptake_percent"],
            )
            area = page.locator(f"#msoamap path[data-code={lowest['group']}]")
            described = area.get_attribute("aria-label") or ""
            assert f"{lowest['uptake_percent']:.1f}% uptake" in described
            assert f"{lowest['population']:,}" in described
            area.focus()
            assert page.locator("#msoamap-readout").inner_text() == described

            # Signal, not noise: the funnel's limits, flags and z scores and the slope index
            # are the figures worked out independently from the API's published numbers.
            assert page.locator("#funnel circle.dot").count() > 10
            assert page.locator("#funnel-table tbody tr").count() == len(summary["groups"])
            below = check_funnel(page, summary["groups"])
            funnel_summary = page.locator("#funnel-summary").inner_text()
            assert below, "the example release has neighbourhoods significantly below the area"
            assert funnel_summary.startswith(
                f"{len(below)} of {len(summary['groups'])} neighbourhoods are significantly below"
            ), funnel_summary
            assert f"clearest first: {below[0]['label']} " in funnel_summary, funnel_summary
            # Every dot is reached with Tab and read out: the neighbourhood, its uptake and
            # population and its signal, as on hover.
            dots = page.locator("#funnel circle.dot")
            dots.first.focus()
            target = None
            for _ in range(dots.count()):
                label = page.evaluate("document.activeElement.getAttribute('aria-label')") or ""
                assert page.evaluate("document.activeElement.matches('#funnel circle.dot')")
                if label.startswith(f"{below[0]['label']}: "):
                    target = label
                    break
                page.keyboard.press("Tab")
            assert target, below[0]
            readout = page.locator("#funnel-readout").inner_text()
            uptake, people = f"{below[0]['uptake_percent']:.1f}%", f"{below[0]['population']:,}"
            for figure in (f"{uptake} uptake", people, "Signal: below ("):
                assert figure in readout, (figure, readout)
            for figure in (f"{uptake} of {people}", "below ("):
                assert figure in target, (figure, target)
            deciles = api.get(
                "/v1/areas/E09000013/summary",
                "hammersmith",
                breakdown="imd_decile",
                dose=1,
                ages="16+",
                release=release.id,
            ).json()["groups"]
            check_slope_index(page, deciles)
            ethnic_header = page.locator("#ethnic-table th").all_inner_texts()
            assert [h.replace("\n", " ") for h in ethnic_header[:3]] == [
                "Group",
                "Uptake",
                "Gap to area (points)",
            ]

            # A group blank on the release's last date shows its last published uptake and date.
            assert "Never read a blank as 0" in page.locator(".legend").inner_text()
            for breakdown, view in BREAKDOWN_TABLES:
                groups = api.get(
                    "/v1/areas/E09000013/summary", "hammersmith", breakdown=breakdown, dose=1
                ).json()["groups"]
                text = page.locator(f"#{view}-table").text_content() or ""
                for g in groups:
                    if g["uptake_percent"] is None and g["last_published_date"]:
                        shown = f"{g['last_published_uptake_percent']:.1f}% on "
                        assert f"{shown}{g['last_published_date']} †" in text, (view, g)

            # Neighbours and England: the region's districts on a map and in a table, every one
            # over its population of all ages, as /v1/headlines gives them.
            assert page.locator("#regionmap path.area").count() == 33
            assert "all ages" in page.locator("#compare-population").inner_text()
            day = release.last_date or release.as_of
            shown = _compare_rows(page)
            for area_type, code in (
                ("ltla", HAMMERSMITH),
                ("ltla", BRENT),
                ("region", LONDON),
                ("country", ENGLAND),
            ):
                answer = api.get(
                    "/v1/headlines",
                    "hammersmith",
                    area_type=area_type,
                    metric="uptake_percent",
                    dose=1,
                    ages="all",
                    date=day,
                ).json()
                (row,) = (r for r in answer["rows"] if r["area_code"] == code)
                assert row["population_ages"] == "all"
                uptake, population = shown[row["area_name"]]
                assert uptake == f"{row['value']:.1f}%", (uptake, row)
                assert population == f"{row['population']:,}", (population, row)
            # A district's figures, like a neighbourhood's, are read out when it has the focus.
            brent = page.locator(f"#regionmap path[data-code={BRENT}]")
            brent.focus()
            brent_label = brent.get_attribute("aria-label") or ""
            assert shown["Brent"][0] in brent_label, (shown["Brent"], brent_label)
            assert page.locator("#regionmap-readout").inner_text() == brent_label
            # A borough with no published figures says so; it is not drawn as 0%.
            assert (
                "Hammersmith and Fulham (your area)" in page.locator("#compare-table").inner_text()
            )
            assert shown["Camden"][0] == "not published"
            assert "0.0%" not in page.locator("#regionmap path[data-code=E09000007]").get_attribute(
                "aria-label"
            )

            # Outreach: four weeks before and after a date read off the chart.
            dates = page.locator("#trend-table tbody tr td:first-child").all_text_contents()
            page.get_by_label("Outreach or event date").fill(dates[30])
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            assert page.locator("#trend svg line.marker").count() == 1
            assert "four weeks before" in page.locator("#outreach-result").inner_text()

            # A phone: no sideways scroll, chart text at its full size, Uptake in view.
            assert_charts_fit(page, width)
            for column in ("Uptake", "Gap to area"):
                head = page.locator("#ethnic-table th", has_text=column).first.bounding_box()
                assert head is not None and head["x"] + head["width"] <= width, column

            shot = artifacts_dir / f"dashboard-{width}px.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")

            serious = serious_accessibility_violations(page)
            assert not serious, serious

            # The window resized (a phone turned, a desk window narrowed): the charts are drawn
            # again at the new width, without a reload.
            other = 400 if width > 400 else 1000
            trend_width = page.locator("#trend svg").get_attribute("viewBox")
            page.set_viewport_size({"width": other, "height": 900})
            page.wait_for_function(
                f"document.querySelector('#trend svg').getAttribute('viewBox') != '{trend_width}'"
            )
            assert_charts_fit(page, other)
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_function(
                f"document.querySelector('#trend svg').getAttribute('viewBox') == '{trend_width}'"
            )

            # An older release, picked by its data end date, redraws everything.
            first = api.releases["first"]
            page.get_by_label("Release", exact=True).select_option(str(first.id))
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            status = page.locator("#release").inner_text()
            assert f"Release {first.id}: data to {first.last_date}," in status
            assert f"data to {first.as_of}" not in status and "last day" not in status
            assert f"data to {first.last_date}" in page.locator("#msoamap .map-legend").inner_text()

            # Scripts, styles, map boundaries and data all came from the service itself: no
            # CDN, no tile server.
            assert_own_origin(requests, str(api.client.base_url))
            assert any("/dashboard/maps/" in u for u in requests), requests
        finally:
            browser.close()
