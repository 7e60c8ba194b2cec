"""A group blank on the release's last date: the dashboard shows its last published uptake.

Disclosure control blanks a group's cumulative series only before its first figure (or on
every date, when withheld), so a release it builds has no group shown earlier and blank at the
end; `/summary` and the page still handle one, and this release puts such groups in by hand.
It is the example release with, in Hammersmith and Fulham's first doses, the smallest group
shown of each breakdown the dashboard tables blank on the last two dates, and the third-dose
total blank on them too (with one age band, so the 16+ count cannot be formed another way). A
director must see each one's last published uptake and its date, never 0 and never a bare
blank."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from services.reference.age_ranges import band
from services.reference.breakdown_populations import residents
from services.reference.denominators import load_denominators
from services.releases.model import PublishedTable
from tests.conftest import Stack
from tests.e2e.headless_dashboard import (
    CHROMIUM_ARGS,
    assert_charts_fit,
    chromium_executable,
    serious_accessibility_violations,
    sign_in,
)
from tests.unit.api.api_harness import DAYS, Harness, running_harness
from tests.unit.api.release_examples import HAMMERSMITH, example_published, write_release

BLANK_DATES = 2
"""How many of the release's last dates the chosen groups are blank on."""
LAST_MARK = "†"
BREAKDOWN_VIEWS = {
    "ethnic_group_detailed": "ethnic",
    "age_band": "age",
    "imd_decile": "imd",
    "msoa": "msoa",
}
"""The group tables of first doses that get a group blank at the end, and the page's view."""


def _blank_at_end(table: PublishedTable, group: str) -> PublishedTable:
    """The table with ``group`` blank (cumulative and new) on its last ``BLANK_DATES`` dates."""
    row = table.groups.index(group)

    def cut(matrix: tuple[tuple[int | None, ...], ...]) -> tuple[tuple[int | None, ...], ...]:
        return tuple(
            (*values[:-BLANK_DATES], *(None,) * BLANK_DATES) if g == row else values
            for g, values in enumerate(matrix)
        )

    return replace(table, cumulative=cut(table.cumulative), new=cut(table.new))


def _smallest_shown(table: PublishedTable, eligible: Callable[[str], bool]) -> str:
    """The eligible group with the smallest figure published on the table's last date."""
    shown = [
        (values[-1], group)
        for group, values in zip(table.groups, table.cumulative, strict=True)
        if values[-1] and eligible(group)
    ]
    return min(shown)[1]


Chosen = dict[tuple[int, str], tuple[str, str, str]]
"""(dose, breakdown) → the group blanked, its last date shown and the table's last date."""


def _crafted_tables() -> tuple[list[PublishedTable], Chosen]:
    """The example release's tables with groups blank at the end, and which ones they are.

    A weekly table (the fine ethnic groups) ends on the last Sunday, so its group is blank on
    its last two week ends and shown on the one before."""
    denominators = load_denominators()
    tables = list(example_published(DAYS))
    chosen: Chosen = {}
    for i, table in enumerate(tables):
        if table.area != HAMMERSMITH:
            continue
        key = (table.dose, table.breakdown)
        if table.dose == 1 and table.breakdown in BREAKDOWN_VIEWS:

            def has_people(g: str, b: str = table.breakdown) -> bool:
                adult = b != "age_band" or band(g).lo >= 16
                return adult and (residents(denominators, b, g, (HAMMERSMITH,)) or 0) > 0

            group = _smallest_shown(table, has_people)
        elif table.dose == 3 and table.breakdown in ("none", "age_band"):
            group = "all" if table.breakdown == "none" else "50-54"
        else:
            continue
        dates = table.dates
        shown_on, last = dates[-BLANK_DATES - 1].isoformat(), dates[-1].isoformat()
        chosen[key] = (group, shown_on, last)
        tables[i] = _blank_at_end(table, group)
    return tables, chosen


def _published_on(
    api: Harness, breakdown: str, dose: int, group: str, first: str, last: str
) -> dict[str, Any]:
    """The group's rows from ``first`` to ``last``, by date, as `/vaccinations` gives them."""
    rows = api.get(
        f"/v1/areas/{HAMMERSMITH}/vaccinations",
        "hammersmith",
        breakdown=breakdown,
        dose=dose,
        **{"from": first, "to": last},
    ).json()["rows"]
    return {r["date"]: r for r in rows if r["group"] == group}


@pytest.mark.parametrize("width", [1400, 400])
def test_a_group_blank_on_the_last_date_shows_its_last_published_uptake(
    stack: Stack, prefix: str, artifacts_dir: Path, width: int
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_executable()
    tables, chosen = _crafted_tables()
    with (
        running_harness(stack, prefix, with_releases=False) as api,
        playwright_api.sync_playwright() as pw,
    ):
        release = write_release(api.store, days=DAYS, tables=tables)
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
            sign_in(page, str(api.client.base_url), api.key["hammersmith"])
            assert f"Release {release.id}" in page.locator("#release").inner_text()

            for breakdown, view in BREAKDOWN_VIEWS.items():
                group, shown_on, last = chosen[(1, breakdown)]
                # What the release published: a figure, then blanks on the table's last two
                # dates (the release's last two days, or its last two Sundays if weekly).
                by_date = _published_on(api, breakdown, 1, group, shown_on, last)
                before = by_date[shown_on]
                assert before["uptake_percent"] is not None, before
                assert by_date[last]["uptake_percent"] is None, by_date[last]
                # The summary gives that figure and its date beside the blank.
                (entry,) = (
                    g
                    for g in api.get(
                        f"/v1/areas/{HAMMERSMITH}/summary",
                        "hammersmith",
                        breakdown=breakdown,
                        dose=1,
                        release=release.id,
                    ).json()["groups"]
                    if g["group"] == group
                )
                assert entry["uptake_percent"] is None and entry["cumulative"] is None, entry
                assert entry["withheld_reason"] == "suppressed", entry
                assert entry["last_published_date"] == shown_on, entry
                assert entry["last_published_cumulative"] == before["cumulative"], entry
                assert entry["last_published_uptake_percent"] == before["uptake_percent"], entry

                # The page: in the group's table row, that uptake and its date, marked.
                expected = f"{before['uptake_percent']:.1f}% on {shown_on} {LAST_MARK}"
                marked = page.locator(f"#{view}-table tbody tr").filter(has_text=LAST_MARK)
                assert marked.count() == 1, (view, "no row shows a last published uptake")
                cells = [c.strip() for c in marked.locator("td").all_text_contents()]
                assert entry["label"].split(": ")[-1] in cells[0], (view, cells)
                assert cells[1] == expected, (view, cells)
                assert "0.0%" not in cells, (view, cells)
                # Hovering says why it is blank: most blanks protect other figures.
                why = marked.locator("span.last").get_attribute("title") or ""
                assert why.startswith(f"blank on {last}: ") and "protect" in why, (view, why)
                note = page.locator(f"#{view}-table p.help").text_content() or ""
                when = (
                    "the release's last date"
                    if last == release.last_date
                    else "the last week end (these counts are published weekly)"
                )
                assert f"{LAST_MARK} Blank on {last}, {when}" in note, (view, note)
                if view != "msoa":  # the neighbourhood chart shows the 15 lowest shown only
                    chart = page.locator(f"#{view} svg").text_content() or ""
                    figure = f"{before['uptake_percent']:.1f}% on {shown_on}"
                    assert f"blank on {last}; {figure}" in chart, (view, chart)

            # The neighbourhood map and the funnel's table give the same figure and date.
            msoa, shown_on, last = chosen[(1, "msoa")]
            area = _published_on(api, "msoa", 1, msoa, shown_on, last)[shown_on]
            described = page.locator(f"#msoamap path[data-code={msoa}]").get_attribute("aria-label")
            assert f"last published {area['uptake_percent']:.1f}% on {shown_on}" in (
                described or ""
            )
            funnel_row = page.locator("#funnel-table tbody tr").filter(has_text=msoa)
            uptake_cell = (funnel_row.locator("td").nth(1).text_content() or "").strip()
            assert uptake_cell == f"{area['uptake_percent']:.1f}% on {shown_on} {LAST_MARK}"

            # The headline: the third-dose total is blank at the end; its last figure is given.
            _, shown_on, last = chosen[(3, "none")]
            total = _published_on(api, "none", 3, "all", shown_on, last)[shown_on]
            assert total["uptake_percent"] is not None, total
            headline = page.locator("#headline .figure[data-dose='3']").inner_text()
            assert f"Third dose: {total['uptake_percent']:.1f}%" in headline, headline
            assert f"on {shown_on}: {total['uptake_numerator']:,} vaccinated" in headline
            assert "Later figures withheld" in headline, headline

            # The longer cell keeps the page whole: no sideways scroll, Uptake and Gap in view.
            assert_charts_fit(page, width)
            for column in ("Uptake", "Gap to area"):
                head = page.locator("#ethnic-table th", has_text=column).first.bounding_box()
                assert head is not None and head["x"] + head["width"] <= width, column
            row = page.locator("#ethnic-table tbody tr").filter(has_text=LAST_MARK)
            box = row.locator("td").nth(1).bounding_box()
            assert box is not None and box["x"] + box["width"] <= width, box
            page.locator("#ethnic-title").locator("xpath=..").screenshot(
                path=str(artifacts_dir / f"dashboard-last-published-{width}px.png")
            )
            serious = serious_accessibility_violations(page)
            assert not serious, serious
        finally:
            browser.close()
