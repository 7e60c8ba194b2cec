"""The release checks include "every uptake has a denominator"."""

from __future__ import annotations

from datetime import date

from services.reference.areas import load_areas
from services.release.checks import run_checks
from services.release.cut import Snapshot

BRENT = "E09000005"
DAY = date(2021, 3, 1)


def _check(cells: dict) -> tuple[bool, str]:  # type: ignore[type-arg]
    snapshot = Snapshot(cut={0: 10}, reached={0: 10}, consumed_to_cut=True, cells=cells)
    checks = run_checks(
        snapshot,
        load_areas(),
        ("none", "sex", "msoa", "jcvi_group"),
        prior_counters={},
        dead_letter_limit=0.05,
        audit_failures=(),
    )
    found = next(c for c in checks if c.name == "every_uptake_has_a_denominator")
    return found.passed, found.detail


def test_every_group_has_a_population_or_a_documented_reason() -> None:
    msoa = load_areas().msoas_in(BRENT)[0]
    passed, detail = _check(
        {
            (BRENT, 1, "msoa"): {(DAY, msoa): 12, (DAY, "Unknown"): 3},
            (BRENT, 1, "sex"): {(DAY, "NOT_KNOWN"): 15},
        }
    )
    assert passed, detail
    assert "documented reason" in detail


def test_a_group_the_reference_data_does_not_know_holds_the_release() -> None:
    passed, detail = _check({(BRENT, 1, "msoa"): {(DAY, "E02999999"): 12}})
    assert not passed
    assert "E09000005 msoa 'E02999999'" in detail


def test_the_totals_check_says_how_many_supersessions_wait_for_their_original() -> None:
    cells = {(BRENT, 1, "none"): {(DAY, "all"): 40}}
    stats = {"net_counted": 40, "counted": 42, "retracted": 2, "parked": 5, "unparked": 2}
    snapshot = Snapshot(
        cut={0: 10}, reached={0: 10}, consumed_to_cut=True, cells=cells, stats=stats
    )
    checks = run_checks(
        snapshot,
        load_areas(),
        ("none",),
        prior_counters={},
        dead_letter_limit=0.05,
        audit_failures=(),
    )
    found = next(c for c in checks if c.name == "totals_reconcile")
    assert found.passed
    assert found.detail == (
        "40 vaccinations in cells = net counted; "
        "3 corrections or retractions wait for an original not counted"
    )
