"""Dates as England counts them: the Europe/London calendar date of an instant."""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo


@functools.cache
def _london() -> ZoneInfo:
    # Loaded on first use, not at import: it reads the system's time zone database.
    return ZoneInfo("Europe/London")


def london_date(moment: datetime) -> date:
    """The calendar date in London at an aware instant (a naive one is taken as local)."""
    return moment.astimezone(_london()).date() if moment.tzinfo else moment.date()
