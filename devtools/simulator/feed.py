"""A simulated feed as columns: the plain administrations stay arrays, the rest are records.

Nearly every record of a feed is the ADMINISTERED event of one row of `Administrations`, sent
once or resubmitted. Those are kept as the run's columns and only turned into objects when
asked (`as_objects`, `truth`); file writers render them straight from the columns. The few
records the traits make (wrong first versions, corrections, retractions, invalid copies) are
kept as `SimulatedRecord` objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, repeat

import numpy as np

from devtools.simulator.config import SimulatedRecord, Trait
from devtools.simulator.events import Administrations, build, events, id_format
from devtools.simulator.population import Identities, Ints, Objects
from services.contract.events import VaccinationEvent

_ON_TIME_TRAITS = np.array((Trait.ORIGINAL, Trait.LATE), dtype=object)
_SLICE = 65_536  # rows picked at once: a million Python ints would cost more than the records


@dataclass(frozen=True, slots=True)
class SimulatedFeed:
    """The records of a feed in delivery order.

    ``sources`` has one entry per delivered record: a row ``r`` of ``given`` sent as recorded
    (``r``) or resubmitted (``len(given) + r``), or one of ``objects`` (``-1 - index``).
    ``corrections`` maps the rows first sent wrong to the correction that fixes them.
    """

    given: Administrations  # ADMINISTERED doses in recorded order
    areas: tuple[str, ...]  # LTLA codes by area index
    id_prefixes: tuple[str, ...]  # what event ids start with, by area index
    people: Ints  # per row: the person, numbered by first recorded dose
    numbers: Objects  # the NHS number of each person
    identities: Identities
    objects: tuple[SimulatedRecord, ...]
    sources: Ints
    corrections: Mapping[int, VaccinationEvent]
    # Person keys cost an HMAC each, and files with NHS numbers never need them.
    _keys: list[Objects] = field(default_factory=list, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.sources)

    @property
    def nhs_numbers(self) -> Objects:
        """The NHS number of each row's person."""
        return self.numbers[self.people]

    @property
    def person_keys(self) -> Objects:
        """The person key of each row (pseudonymised once per person, on first use)."""
        if not self._keys:
            keys = self.identities.person_keys(self.numbers.tolist())
            self._keys.append(np.array(keys, dtype=object))
        return self._keys[0][self.people]

    def person_keys_of(self, rows: Ints | slice) -> Objects:
        """The person keys of some rows."""
        if self._keys or isinstance(rows, slice):
            return self.person_keys[rows]
        numbers = self.numbers[self.people[rows]].tolist()
        return np.array(self.identities.person_keys(numbers), dtype=object)

    def events_of(self, rows: Ints | slice) -> list[VaccinationEvent]:
        """The ADMINISTERED events of some rows of ``given``."""
        return events(
            self.given.take(rows),
            areas=np.array(self.areas, dtype=object)[self.given.area[rows]],
            id_formats=np.array(list(map(id_format, self.id_prefixes)), dtype=object)[
                self.given.area[rows]
            ],
            person_keys=self.person_keys_of(rows),
        )

    def as_objects(self) -> tuple[tuple[SimulatedRecord, ...], tuple[VaccinationEvent, ...]]:
        """Every record as an object in delivery order, and the truth, sharing their events."""
        count, sources = len(self.given), self.sources
        made = self.events_of(slice(None))
        nhs = self.nhs_numbers.tolist()
        traits = _ON_TIME_TRAITS[self.given.late.astype(np.int64)].tolist()
        sent = _records(made, nhs, traits)
        resubmitted = sources >= count
        again = (sources[resubmitted] - count).tolist()
        copies = _records(
            [made[r] for r in again], [nhs[r] for r in again], repeat(Trait.DUPLICATE)
        )
        truth = self._corrected(made)
        del made, nhs, traits
        # One pool: objects, then rows sent as recorded, then resubmissions in delivery order.
        objects = len(self.objects)
        index = np.where(sources < 0, -1 - sources, objects + sources)
        index[resubmitted] = objects + count + np.arange(len(again))
        pick = list(chain(self.objects, sent, copies)).__getitem__
        records = tuple(
            chain.from_iterable(
                map(pick, index[start : start + _SLICE].tolist())
                for start in range(0, len(index), _SLICE)
            )
        )
        return records, truth

    def truth(self) -> tuple[VaccinationEvent, ...]:
        """The final event of every vaccination: each row's event, or the correction of it."""
        return self._corrected(self.events_of(slice(None)))

    def _corrected(self, made: list[VaccinationEvent]) -> tuple[VaccinationEvent, ...]:
        truth = made.copy()
        for row, correction in self.corrections.items():
            truth[row] = correction
        return tuple(truth)


def _records(
    events: list[VaccinationEvent], nhs_numbers: list[str], traits: Iterable[Trait]
) -> list[SimulatedRecord]:
    """Valid records of the events, with their NHS numbers and traits (a column or a repeat)."""
    columns: dict[str, Iterable[object]] = {
        "event": events,
        "nhs_number": nhs_numbers,
        "valid": repeat(True),
        "trait": traits,
        "reason": repeat(None),
    }
    return build(SimulatedRecord, len(events), columns)
