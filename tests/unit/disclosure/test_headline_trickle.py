"""A dose given to a few people a day in every district of a county: each district's total
is published from 8 people on, whatever the county's and region's totals give away."""

from __future__ import annotations

from datetime import date

import numpy as np
from independent_attacker import INF, build_model, propagate
from published_series import release_series

from services.disclosure.linked.cluster import ClusterSpec
from services.disclosure.linked.grids import week_ends
from services.disclosure.linked.national import protect_all
from services.disclosure.linked.series import blank, release_tables
from services.disclosure.registry import get_policy
from services.reference.breakdown_links import area_links
from services.release.tables import _published

COUNTY, REGION, ENGLAND = "E10000011", "E12000008", "E92000001"
DISTRICTS = tuple(f"E070000{n}" for n in range(61, 67))
UNITARY = "E06000043"
DAYS = 42
FIRST = date(2021, 3, 1)
POLICY = get_policy("nhs-digital")


def _spec(upper, lowers, rng):
    tables = {}
    for area in lowers:
        for dose, rate in ((1, 60.0), (2, 0.6)):
            daily = rng.poisson(rate, size=(1, DAYS)).astype(np.int64)
            tables[(area, dose, "none")] = (("all",), daily)
    weeks = week_ends(FIRST, DAYS)
    return ClusterSpec(upper, lowers, tables, DAYS, weeks, (1, 2), ("none",), ("none",), {})


def test_district_totals_of_a_trickle_are_shown_from_8_people():
    rng = np.random.default_rng(3)
    specs = [_spec(COUNTY, DISTRICTS, rng), _spec(None, (UNITARY,), rng)]
    result = protect_all(
        specs,
        policy_name=POLICY.name,
        links_of=area_links,
        regions={REGION: (*DISTRICTS, UNITARY)},
        england=ENGLAND,
    )
    assert result.passed
    series = release_tables(result, ("none",), ())
    totals = [t for t in series if t.breakdown == "none"]
    assert {t.area for t in totals} == {*DISTRICTS, UNITARY, COUNTY, REGION, ENGLAND}
    hidden = [
        (t.area, t.dose, int(d))
        for t in totals
        for d in np.flatnonzero(blank(t)[0] & (t.exact[0] >= 8))
    ]
    assert hidden == []
    # An attacker holding every total (districts, county, region, England) pins no count.
    published = [_published(t, FIRST) for t in totals]
    model = build_model(
        release_series(published),
        children={COUNTY: DISTRICTS, REGION: (COUNTY, UNITARY), ENGLAND: (REGION,)},
        dose_order=True,
    )
    lo, hi = propagate(model)
    widths = []
    for table, exact in zip(published, totals, strict=True):
        key = (table.area, table.dose, table.breakdown, "all")
        previous = 0
        for c, day in enumerate(table.dates):
            true_cum = int(exact.exact[0, c])
            for var, true in (
                (model.cum[(key, day)], true_cum),
                (model.step[(key, day)], true_cum - previous),
            ):
                assert lo[var] <= true <= hi[var], (key, day)
                if 1 <= true <= 7:
                    widths.append(min(hi[var], INF) - lo[var] + 1)
            previous = true_cum
    assert len(widths) > 50
    assert min(widths) >= 5
