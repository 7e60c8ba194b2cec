"""The independent attacker finds the leaks of the release published before the linked audit.

The fixture is the demo's release 1 as it was published then, with daily and cumulative
figures rounded independently, 1-7 blank and zeros printed: Hammersmith and Fulham in full
and every London borough's headline. An auditor pinned small counts in it by hand through
nested breakdowns (JCVI bands made of age bands, Black made of its detailed groups); the
attacker, knowing nothing but the published figures and the labels, must find each one.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from independent_attacker import INF, Series, build_model, lp_interval, propagate, window_of

FIXTURE = Path(__file__).parents[2] / "fixtures" / "release_before_linked_disclosure.json.gz"
HF, LONDON = "E09000013", "E12000007"
BLACK = "Black, Black British, Black Welsh, Caribbean or African"
WHITE = "White"


def _interval(value: int | None) -> tuple[float, float]:
    """What a figure of that release meant: blank 1 or more, 0 exactly, v within 2."""
    if value is None:
        return 1.0, INF
    if value == 0:
        return 0.0, 0.0
    return value - 2.0, value + 2.0


@pytest.fixture(scope="module")
def attacked():
    data = json.loads(gzip.decompress(FIXTURE.read_bytes()))
    series = []
    boroughs = set()
    for t in data["tables"]:
        first = date.fromisoformat(t["first_date"])
        dates = [first + timedelta(days=i) for i in range(len(t["cumulative"][0]))]
        if t["breakdown"] == "none" and t["area"] != LONDON:
            boroughs.add(t["area"])
        for group, cum, new in zip(t["groups"], t["cumulative"], t["new"], strict=True):
            c = [_interval(v) for v in cum]
            n = [_interval(v) for v in new]
            key = (t["area"], t["dose"], t["breakdown"], group)
            series.append(
                Series(
                    key,
                    dates,
                    [x[0] for x in c],
                    [x[1] for x in c],
                    [x[0] for x in n],
                    [x[1] for x in n],
                )
            )
    model = build_model(series, children={LONDON: sorted(boroughs)})
    lo, hi = propagate(model)
    return model, lo, hi


def _daily(attacked, dose: int, breakdown: str, group: str, day: date) -> tuple[int, int]:
    model, lo, hi = attacked
    var = model.step[((HF, dose, breakdown, group), day)]
    return lp_interval(model, lo, hi, var, window_of(model, day))


@pytest.mark.parametrize(
    ("dose", "breakdown", "group", "day", "pinned"),
    [
        (2, "age_band", "35-39", date(2021, 3, 8), (6, 6)),
        (2, "age_band", "35-39", date(2021, 6, 15), (6, 6)),
        (1, "age_band", "90+", date(2021, 1, 17), (1, 3)),
        (1, "ethnic_group_detailed", f"{BLACK}: Other Black", date(2021, 1, 19), (1, 3)),
        (2, "ethnic_group_detailed", f"{WHITE}: Irish", date(2021, 2, 17), (1, 2)),
    ],
)
def test_the_auditors_examples_are_pinned(attacked, dose, breakdown, group, day, pinned):
    # The auditor's intervals start at 0 for some cells; this attacker also knows a blank
    # meant at least 1 then, so it pins them at least as tightly.
    lo, hi = _daily(attacked, dose, breakdown, group, day)
    assert (lo, hi) == pinned
    assert hi - lo + 1 < 5
