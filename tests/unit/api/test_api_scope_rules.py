"""Scope rules: councils read their own detail and everyone's headlines; publishers nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.api.scope import (
    ScopeDenied,
    check_breakdown,
    check_operator,
    check_release,
    detail_areas,
    may_see_detail,
)
from services.reference.areas import load_areas
from services.reference.breakdowns import BREAKDOWNS

AREAS = load_areas()


@dataclass(frozen=True)
class Key:
    role: str
    areas: tuple[str, ...] = ()


def test_a_county_key_covers_its_twelve_districts() -> None:
    codes = detail_areas(Key("council", ("E10000017",)), AREAS)
    assert codes == {"E10000017", *AREAS.ltla_codes_in("E10000017")} and len(codes) == 13


@pytest.mark.parametrize("breakdown", sorted(BREAKDOWNS))
def test_headlines_are_open_and_breakdowns_scoped(breakdown: str) -> None:
    hf = Key("council", ("E09000013",))
    check_breakdown(hf, "E09000013", breakdown, AREAS)
    check_breakdown(Key("operator"), "E09000005", breakdown, AREAS)
    if breakdown == "none":
        check_breakdown(hf, "E09000005", breakdown, AREAS)
    else:
        with pytest.raises(ScopeDenied, match="breakdown=none"):
            check_breakdown(hf, "E09000005", breakdown, AREAS)


def test_a_district_key_does_not_reach_its_county_or_siblings() -> None:
    burnley = Key("council", ("E07000117",))
    assert may_see_detail(burnley, "E07000117", AREAS)
    assert not may_see_detail(burnley, "E10000017", AREAS)
    assert not may_see_detail(burnley, "E07000118", AREAS)


def test_publishers_read_nothing_and_only_operators_see_drafts() -> None:
    with pytest.raises(ScopeDenied, match="publisher"):
        check_breakdown(Key("publisher"), "E09000013", "none", AREAS)
    check_release(Key("council", ("E09000013",)), "published")
    for status in ("draft", "held", "building"):
        check_release(Key("operator"), status)
        with pytest.raises(ScopeDenied, match="operators"):
            check_release(Key("council", ("E09000013",)), status)
    with pytest.raises(ScopeDenied):
        check_operator(Key("council", ("E09000013",)))


def test_the_breakdown_parameter_offers_every_configured_breakdown() -> None:
    from typing import get_args

    from services.api.data_queries import BreakdownName

    assert set(get_args(BreakdownName)) == set(BREAKDOWNS)
