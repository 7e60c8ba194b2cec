"""The API accepts exactly the breakdowns the reference data defines (no drift between them)."""

from __future__ import annotations

from typing import get_args

from services.api.data_queries import BreakdownName
from services.reference.breakdowns import BREAKDOWNS


def test_the_breakdown_parameter_lists_every_configured_breakdown() -> None:
    assert set(get_args(BreakdownName)) == set(BREAKDOWNS)
