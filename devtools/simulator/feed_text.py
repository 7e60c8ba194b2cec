"""A simulated feed rendered as text lines (JSON Lines or CSV) a column at a time.

Every fragment is made by the format's own value renderer (`record_lines.TextFormat`), so a
line is exactly what rendering the record whole gives (see `feed_lines`). Only the event id's
number and the person are text of their own per row; the recorded time is split into its
date, which few rows do not share with their vaccination date, and its time of day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

import numpy as np

from devtools.simulator.config import SimulatedRecord
from devtools.simulator.events import ID_NUMBER_FORMAT
from devtools.simulator.feed import SimulatedFeed
from devtools.simulator.feed_lines import FeedLines, Fragments, plain, plain_prefix, span, table
from devtools.simulator.population import Ints
from devtools.simulator.record_lines import TextFormat
from services.contract.events import EventKind

_DAY = 86_400


class FeedText(FeedLines):
    """Renders one feed in one text format; `supports` says whether the feed can be."""

    def __init__(self, feed: SimulatedFeed, fmt: TextFormat) -> None:
        super().__init__(feed, fmt.field, fmt.end)
        self.fmt, given, quote = fmt, feed.given, fmt.quote
        self._persons = feed.nhs_numbers if fmt.person == "nhs_number" else feed.person_keys
        self._heads = table([fmt.head + quote + prefix for prefix in feed.id_prefixes])
        # The event id's number, and everything after it up to the person.
        tail = (
            quote
            + fmt.field("kind", EventKind.ADMINISTERED)
            + fmt.field("supersedes_event_id", None)
            + fmt.key(fmt.person)
            + quote
        )
        self._numbers = table(
            [ID_NUMBER_FORMAT % n + tail for n in range(int(given.number.max(initial=0)) + 1)]
        )
        # Vaccination date and recorded date by (day - first day) * recorded days + recorded
        # day - first recorded day: few pairs, each made when first met.
        days, recorded = span(given.day), span(given.recorded // _DAY)
        self._first_day, self._first_recorded = days.start, recorded.start
        self._recorded_days = len(recorded)
        self._dates = Fragments[int](
            lambda code: (
                quote
                + fmt.field(
                    "vaccination_date", date.fromordinal(days.start + code // len(recorded))
                )
                + fmt.key("recorded_at")
                + self._stamp((recorded.start + code % len(recorded)) * _DAY)[: len(quote) + 11]
            )
        )
        self._times = Fragments[int](lambda secs: self._stamp(secs)[len(quote) + 11 :])

    @staticmethod
    def supports(feed: SimulatedFeed) -> bool:
        """Whether the event ids can be written as they are, in any format."""
        return all(map(plain_prefix, feed.id_prefixes))

    def record(self, record: SimulatedRecord) -> str:
        """The line of a record made as an object."""
        return self.fmt.line(record)

    def head(self, rows: Ints) -> list[Iterable[str]]:
        """Event id, kind, supersedes, person, vaccination date and recorded time of rows."""
        given = self.feed.given
        persons = self._persons[rows].tolist()
        if not plain("".join(persons)):
            persons = list(map(self.fmt.body, persons))
        recorded = given.recorded[rows]
        days = (given.day[rows] - self._first_day).astype(np.int64) * self._recorded_days
        return [
            self._heads[given.area[rows]].tolist(),
            self._numbers[given.number[rows]].tolist(),
            persons,
            map(self._dates.__getitem__, (days + recorded // _DAY - self._first_recorded).tolist()),
            map(self._times.__getitem__, (recorded % _DAY).tolist()),
        ]

    def _stamp(self, secs: int) -> str:
        # A timestamp is split after its date and the "T" (after the quote, if any).
        return self.fmt.value(datetime.fromtimestamp(secs, UTC))
