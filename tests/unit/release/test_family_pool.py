"""Protecting a release's families on worker processes publishes exactly what one process does."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from devtools.simulator.simulator import SimulationConfig, Simulator
from services.disclosure.registry import get_policy
from services.reference.areas import load_areas
from services.release.family_pool import family_mapper
from services.release.tables import build_tables, date_range

BREAKDOWNS = ("none", "sex", "ethnic_group")


def test_tables_built_on_a_pool_equal_tables_built_in_one_process() -> None:
    # Two boroughs and a county district: several families with work in them.
    areas = ("E09000013", "E09000005", "E07000117")
    simulator = Simulator(
        SimulationConfig(areas=areas, scale=0.01, end=date(2021, 2, 28), with_nhs_numbers=False)
    )
    cells: defaultdict[tuple[str, int, str], dict[tuple[date, str], int]] = defaultdict(dict)
    for (ltla, day, dose, breakdown, group), n in simulator.expected_counts().counts.items():
        if breakdown in BREAKDOWNS:
            cells[(ltla, dose, breakdown)][(day, group)] = n
    arguments = {
        "areas": load_areas(),
        "breakdowns": BREAKDOWNS,
        "policy": get_policy("nhs-digital"),
        "dates": date_range(date(2020, 12, 8), date(2021, 2, 28)),
        "doses": (1,),
    }
    alone = build_tables(cells, **arguments)  # type: ignore[arg-type]
    with family_mapper(2) as mapper:
        pooled = build_tables(cells, mapper=mapper, **arguments)  # type: ignore[arg-type]
    assert any(None in row for t in alone.tables for row in t.cumulative)  # small groups blank
    assert pooled.tables == alone.tables
    assert (pooled.levels, pooled.first_shown) == (alone.levels, alone.first_shown)
    assert pooled.failing == alone.failing == []
