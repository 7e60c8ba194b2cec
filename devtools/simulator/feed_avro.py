"""A simulated feed as Avro record bodies, rendered a column at a time.

An Avro record is its fields' encodings one after the other, so the body of a plain
ADMINISTERED row is joined from fragments exactly as its JSON line is (`feed_text`): each
fragment is fastavro's own encoding of the field values it covers, kept as Latin-1 characters
(one per byte) so that joining stays string work. The recorded time, a varint of its own for
every row, is encoded for a whole chunk at once with numpy. Records made as objects are
encoded whole by fastavro; those without a person key (an invalid NHS number) are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from io import BytesIO

from fastavro import parse_schema, schemaless_writer

from devtools.simulator.avro_blocks import avro_longs
from devtools.simulator.config import SimulatedRecord
from devtools.simulator.events import ID_NUMBER_FORMAT
from devtools.simulator.feed import SimulatedFeed
from devtools.simulator.feed_lines import FeedLines, plain, plain_prefix, span, table
from devtools.simulator.population import Ints
from services.contract.codec import event_to_record, parsed_event_schema
from services.contract.events import EventKind
from services.contract.reasons import Reason
from services.contract.schema_files import event_schema

_ID_DIGITS = len(ID_NUMBER_FORMAT % 0)


class _FieldEncoder:
    """fastavro's encoding of single fields of the current event schema, as Latin-1 text."""

    def __init__(self) -> None:
        self._schemas = {
            field["name"]: parse_schema(
                {"type": "record", "name": f"Only_{field['name']}", "fields": [field]}
            )
            for field in event_schema()["fields"]
        }

    def __call__(self, name: str, value: object) -> str:
        out = BytesIO()
        schemaless_writer(out, self._schemas[name], {name: value})
        return out.getvalue().decode("latin-1")


class FeedAvro(FeedLines):
    """Renders one feed as Avro record bodies; `supports` says whether the feed can be."""

    def __init__(self, feed: SimulatedFeed) -> None:
        field, given = _FieldEncoder(), feed.given
        super().__init__(feed, field, "")
        self._schema = parsed_event_schema()
        self._keys = feed.person_keys
        key_length = len(self._keys[0]) if len(self._keys) else 0
        # The length and characters of the event id but its number; then the number, and
        # everything after it up to the person key's characters.
        self._heads = table(
            [
                field("event_id", prefix + "0" * _ID_DIGITS)[:-_ID_DIGITS]
                for prefix in feed.id_prefixes
            ]
        )
        tail = (
            field("kind", EventKind.ADMINISTERED)
            + field("supersedes_event_id", None)
            + field("person_key", "0" * key_length)[: -key_length or None]
        )
        self._numbers = table(
            [ID_NUMBER_FORMAT % n + tail for n in range(int(given.number.max(initial=0)) + 1)]
        )
        days = span(given.day)
        self._first_day = days.start
        self._dates = table([field("vaccination_date", date.fromordinal(d)) for d in days])

    @staticmethod
    def supports(feed: SimulatedFeed) -> bool:
        """Whether ids and keys have the plain, fixed-length form the fragments assume."""
        keys = feed.person_keys.tolist()
        return (
            all(map(plain_prefix, feed.id_prefixes))
            and int(feed.given.number.max(initial=0)) < 10**_ID_DIGITS
            and len(set(map(len, keys))) <= 1
            and plain("".join(keys))
        )

    def record(self, record: SimulatedRecord) -> str | None:
        """The body of a record made as an object; None if it has no person key."""
        if record.reason is Reason.INVALID_NHS_NUMBER:
            return None
        out = BytesIO()
        schemaless_writer(out, self._schema, event_to_record(record.event))
        return out.getvalue().decode("latin-1")

    def head(self, rows: Ints) -> list[Iterable[str]]:
        """Event id, kind, supersedes, person key, vaccination date and recorded time of rows."""
        given = self.feed.given
        return [
            self._heads[given.area[rows]].tolist(),
            self._numbers[given.number[rows]].tolist(),
            self._keys[rows].tolist(),
            self._dates[given.day[rows] - self._first_day].tolist(),
            avro_longs(given.recorded[rows] * 1000),
        ]
