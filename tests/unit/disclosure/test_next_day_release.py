"""The next day's release, audited against the day before's: it keeps yesterday's figures.

Third doses in one unitary authority (Southend-on-Sea, 67 people by the 121st day of the
programme), from a draw of the national bench's generator, in every breakdown. The first
release ends on day 120 and the next on day 121, with the first as the release before: its
attacker knows every figure the first release showed. A figure of day 121 that gives one of
day 119 away is blanked on day 121 alone; the groups it belongs to are not withheld.
"""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from independent_attacker import INF, Series, build_model, propagate
from published_series import release_series

from services.disclosure.registry import get_policy
from services.reference.areas import load_areas
from services.reference.breakdowns import DEFAULT_BREAKDOWNS
from services.release.tables import PreviousRelease, ReleaseTables, build_tables, date_range

UNITARY, REGION, ENGLAND = "E06000033", "E12000006", "E92000001"
FIRST = date(2020, 12, 8)
DAYS = 120
POLICY = get_policy("nhs-digital")
FIXTURE = Path(__file__).parents[2] / "fixtures" / "unitary_third_doses.json"

pytestmark = pytest.mark.slow


def _cells(days: int) -> dict:
    data = json.loads(FIXTURE.read_text())
    return {
        (UNITARY, 3, breakdown): {
            (FIRST + timedelta(days=day), group): n
            for group, counts in groups.items()
            for day, n in counts
            if day < days
        }
        for breakdown, groups in data.items()
    }


def _release(days: int, previous: PreviousRelease | None) -> ReleaseTables:
    return build_tables(
        _cells(days),
        areas=load_areas(),
        breakdowns=list(DEFAULT_BREAKDOWNS),
        policy=POLICY,
        dates=date_range(FIRST, FIRST + timedelta(days=days - 1)),
        doses=(3,),
        previous=previous,
    )


@functools.cache
def _releases() -> tuple[ReleaseTables, ReleaseTables]:
    first = _release(DAYS, None)
    dates = date_range(FIRST, FIRST + timedelta(days=DAYS - 1))
    previous = PreviousRelease(
        dates, first.exact, POLICY.name, first.levels, first.first_shown, first.shown_until
    )
    return first, _release(DAYS + 1, previous)


def _daily_tables(release: ReleaseTables) -> dict:
    return {t.breakdown: t for t in release.tables if t.area == UNITARY and not t.columns}


def test_the_next_day_keeps_every_figure_the_day_before_showed():
    first, second = _releases()
    assert first.passed, first.failing
    assert second.passed, second.failing
    today = _daily_tables(second)
    kept = 0
    for breakdown, before in _daily_tables(first).items():
        after = today[breakdown]
        for g, group in enumerate(before.groups):
            assert not after.withheld[g] or not any(before.cumulative[g]), (breakdown, group)
            shown = before.cumulative[g][DAYS - 1]
            if shown is not None:  # still shown; perhaps coarser, as its step then says
                assert after.cumulative[g][DAYS - 1] is not None, (breakdown, group)
                kept += 1
    assert kept >= 15  # the test means something: 20 on this draw
    # Some figures of the newest day are blank to protect the day before's, and after its
    # first figure a group is blank on its table's last date at most.
    assert second.shown_until
    for table in second.tables:
        if table.area == UNITARY:
            for group, values in zip(table.groups, table.cumulative, strict=True):
                shown = [c for c, v in enumerate(values) if v is not None]
                gaps = (
                    [c for c in range(shown[0], len(values)) if values[c] is None] if shown else []
                )
                assert gaps in ([], [len(values) - 1]), (table.breakdown, group, gaps)


def test_no_count_of_1_to_7_is_pinned_by_both_releases_together():
    first, second = _releases()
    areas = load_areas()
    region = list(areas.ltla_codes_in(REGION))

    def attacked(release: ReleaseTables) -> list[Series]:
        tables = [
            t
            for t in release.tables
            if t.area == UNITARY or (t.breakdown == "none" and t.area in {*region, REGION})
        ]
        return release_series(tables)

    old = {s.key: s for s in attacked(first)}
    merged = []
    for s in attacked(second):
        before = old.get(s.key)
        if before is not None and before.dates == s.dates[: len(before.dates)]:
            # Both releases bound the same counts (the history did not change): intersect.
            n = len(before.dates)
            s.cum_lo[:n] = [max(a, b) for a, b in zip(s.cum_lo[:n], before.cum_lo, strict=True)]
            s.cum_hi[:n] = [min(a, b) for a, b in zip(s.cum_hi[:n], before.cum_hi, strict=True)]
        merged.append(s)
    model = build_model(merged, children={REGION: region})
    lo, hi = propagate(model)
    checked = 0
    for s in merged:
        area, _, breakdown, group = s.key
        if area != UNITARY:
            continue
        groups, daily = second.exact[(UNITARY, 3, breakdown)]
        cumulative = daily[groups.index(group)].cumsum()
        previous = 0
        for day in s.dates:
            true = int(cumulative[(day - FIRST).days])
            for v, count in (
                (model.cum[(s.key, day)], true),
                (model.step[(s.key, day)], true - previous),
            ):
                assert lo[v] <= count <= hi[v], (s.key, day)
                if 1 <= count <= 7:
                    assert min(hi[v], INF) - lo[v] + 1 >= 5, (s.key, day, lo[v], hi[v])
                    checked += 1
            previous = true
    assert checked > 100
