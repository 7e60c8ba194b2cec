"""Small linked families for the disclosure tests, built from per-event counts."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from services.disclosure import FamilyInput, PreviousRelease, ProtectedFamily
from services.disclosure.policy import Policy

START = date(2021, 1, 4)
AREA = "E06000001"
GROUPS = {"none": ("all",), "a": ("a0", "a1"), "b": ("b0", "b1")}


def dates(n: int) -> tuple[date, ...]:
    """``n`` consecutive days from the start of the series."""
    return tuple(START + timedelta(days=i) for i in range(n))


def tables_from_events(events: np.ndarray) -> dict[str, np.ndarray]:
    """``events[date, a, b]`` counts -> the total, ``a`` and ``b`` tables ``[groups × dates]``."""
    return {
        "total": events.sum(axis=(1, 2))[None, :],
        "a": events.sum(axis=2).T.copy(),
        "b": events.sum(axis=1).T.copy(),
    }


def single_area_family(
    tables: dict[str, np.ndarray], previous: tuple[PreviousRelease, ...] = ()
) -> FamilyInput:
    """One unitary area with a total and breakdowns ``a`` and ``b``."""
    n_dates = tables["total"].shape[1]
    return FamilyInput(
        dates=dates(n_dates),
        areas=(AREA,),
        children={},
        breakdowns=GROUPS,
        exact_new={
            (AREA, "none"): tables["total"],
            (AREA, "a"): tables["a"],
            (AREA, "b"): tables["b"],
        },
        previous=previous,
    )


def as_previous(family: FamilyInput, result: ProtectedFamily, policy: Policy) -> PreviousRelease:
    """A protected family as the previous release of a later one."""
    return PreviousRelease(
        dates=family.dates,
        exact_new=family.exact_new,
        published_new=result.new,
        published_cumulative=result.cumulative,
        policy=policy,
    )


def published_lists(result: ProtectedFamily, series: str) -> dict[str, list]:
    """Published values of the single-area family as lists with None, by table name."""
    tables = result.new if series == "new" else result.cumulative
    names = {"none": "total", "a": "a", "b": "b"}
    return {names[b]: tables[(AREA, b)].to_optional() for b in GROUPS}
