"""Age ranges read the way callers write them, and fit a source's bands or say they do not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reference.age_ranges import ADULTS, ALL_AGES, AgeRange, describe_edges, edges_of
from services.reference.errors import AgeRangeError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16+", ADULTS),
        ("all", ALL_AGES),
        ("0+", ALL_AGES),
        (" 50-64 ", AgeRange(50, 64)),
        ("65+", AgeRange(65, None)),
        ("18-18", AgeRange(18, 18)),
    ],
)
def test_parse(text: str, expected: AgeRange) -> None:
    assert AgeRange.parse(text) == expected


@pytest.mark.parametrize("text", ["", "16", "64-50", "-5", "16+x", "121+", "1e3", "five+"])
def test_malformed_or_impossible_ranges_are_refused(text: str) -> None:
    with pytest.raises(AgeRangeError):
        AgeRange.parse(text)


@given(st.integers(0, 120), st.none() | st.integers(0, 120))
def test_the_label_reads_back_as_the_same_range(lo: int, hi: int | None) -> None:
    if hi is not None and hi < lo:
        lo, hi = hi, lo
    ages = AgeRange(lo, hi)
    assert AgeRange.parse(ages.label) == ages


def test_fits_only_ranges_on_band_edges() -> None:
    edges = edges_of(["0-15", "16-17", "18-24", "25-29", "30+"])
    assert ADULTS.fits(edges) and ALL_AGES.fits(edges)
    assert AgeRange(16, 24).fits(edges)
    assert not AgeRange(16, 26).fits(edges)
    assert not AgeRange(17, None).fits(edges)
    # The last band is open: nothing can end inside it.
    assert not AgeRange(30, 40).fits(edges)
    assert describe_edges(edges) == "0-15, 16-17, 18-24, 25-29, 30+"


def test_containment_and_overlap() -> None:
    assert ADULTS.contains(AgeRange(50, 54)) and not ADULTS.contains(AgeRange(0, 15))
    assert AgeRange(50, 64).contains(AgeRange(55, 59))
    assert not AgeRange(50, 64).contains(AgeRange(60, None))
    assert AgeRange(50, 64).overlaps(AgeRange(60, None))
    assert not AgeRange(0, 15).overlaps(ADULTS)


def test_bands_must_cover_every_age() -> None:
    with pytest.raises(AgeRangeError):
        edges_of(["0-15", "18-24", "25+"])
    with pytest.raises(AgeRangeError):
        edges_of(["0-15", "16-24"])
