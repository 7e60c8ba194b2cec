"""What the aggregator remembers about each event id, packed small enough for 150 million.

A stored value is one of:

- an integer ``>= 3``: COUNTED, an ADMINISTERED event with everything needed to recompute its
  cells packed in 59 bits, so Redis keeps it as a listpack integer (9 bytes);
- a string starting ``t|``: the same, spelled out, for the rare event the integer layout
  cannot hold (a code missing from the generation's dictionary, a date after 2043);
- a string ``c<digest>|<counted>``: COUNTED, a correction: its cells as above and the digest
  of its counted content (`contract.counted_content`: kind, the event it supersedes, cells);
- a negative integer ``-<digest>``: ARRIVED, counting nowhere (superseded, a retraction, or a
  correction whose target was already superseded), with the digest of its counted content;
- ``2`` PENDING: the event has not arrived, but a correction or retraction of it has (the
  supersession is parked here; when the event arrives it counts nowhere);
- ``0`` or ``1``: an event that arrived and counts nowhere, stored before content digests
  were kept (its content is unknown, so any copy of it is taken as a duplicate).

So every event that arrived keeps its counted content, exactly (COUNTED) or as a 31-bit digest,
and a later copy of its id is a duplicate only if it would count the same; the digest costs
nothing for the ADMINISTERED events that make up nearly all of the state, 4 bytes more for a
superseded or retracting one and about 23 for a counted correction (at the simulator's rates,
0.5% corrections and 0.3% retractions, some 0.15 bytes an event on average).

LTLA and MSOA codes are packed as their index in the dictionary stored with the generation,
so a change of reference data never reinterprets values already written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from services.contract.counted_content import content_of
from services.contract.events import EventKind, VaccinationEvent
from services.contract.validation import PROGRAMME_START

LEGACY_SUPERSEDED = 0
LEGACY_VOID = 1
PENDING = 2
_COUNTED_BASE = 3
_DIGEST_MASK = (1 << 31) - 1

StoredState = int | str

# Index orders are part of the stored format: never reorder, only append.
SEXES: tuple[str, ...] = ("FEMALE", "MALE", "INDETERMINATE", "NOT_KNOWN")
ETHNIC_CODES: tuple[str, ...] = (*"ABCDEFGHJKLMNPRSZ", "99")

_DAY0 = PROGRAMME_START.toordinal()
# (shift, width) of each packed field, least significant first.
_IMD, _JCVI, _ETH, _SEX, _AGE, _DOSE, _DAY, _LTLA, _MSOA = 0, 4, 8, 13, 15, 22, 26, 39, 48
_MAX_DAY, _MAX_LTLA, _MAX_MSOA = (1 << 13) - 1, (1 << 9) - 1, (1 << 14) - 1
_SEX_INDEX = {s: i for i, s in enumerate(SEXES)}
_ETH_INDEX = {e: i for i, e in enumerate(ETHNIC_CODES)}


class Cohort(NamedTuple):
    """The cell-defining attributes of a counted event (what a breakdown's group_of reads)."""

    ltla_code: str
    vaccination_date: date
    dose_number: int
    age_years: int
    sex: str
    ethnic_category: str
    jcvi_group: int | None
    imd_decile: int | None
    msoa_code: str | None


def parse(raw: bytes | str | None) -> StoredState | None:
    """A stored value as read from Redis, or None for an id never seen."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode()
    return raw if raw[:1] in ("t", "c") else int(raw)


def is_counted(value: StoredState | None) -> bool:
    """True if the value is a COUNTED event."""
    return isinstance(value, str) or (value is not None and value >= _COUNTED_BASE)


def content_digest(kind: str, supersedes: str | None, cells: VaccinationEvent | Cohort) -> int:
    """A 31-bit digest (1 or more) of counted content, stable across processes and releases."""
    text = "\x1f".join(content_of(kind, supersedes, cells)).encode()
    digest = int.from_bytes(hashlib.blake2b(text, digest_size=4).digest(), "big") & _DIGEST_MASK
    return digest or 1


def _event_digest(event: VaccinationEvent) -> int:
    return content_digest(event.kind, event.supersedes_event_id, event)


class StateCodec:
    """Packs counted events against one generation's dictionary of LTLA and MSOA codes."""

    def __init__(self, *, ltla_codes: Sequence[str], msoa_codes: Sequence[str]) -> None:
        self.ltla_codes = tuple(ltla_codes)
        self.msoa_codes = tuple(msoa_codes)
        self._ltla_index = {c: i for i, c in enumerate(self.ltla_codes) if i <= _MAX_LTLA}
        # 0 means "no MSOA"; index i is stored as i + 1.
        self._msoa_index: dict[str | None, int] = {
            c: i + 1 for i, c in enumerate(self.msoa_codes) if i + 1 <= _MAX_MSOA
        }
        self._msoa_index[None] = 0

    def pack(self, event: VaccinationEvent | Cohort) -> StoredState:
        """The COUNTED value of an event."""
        ltla = self._ltla_index.get(event.ltla_code)
        msoa = self._msoa_index.get(event.msoa_code)
        day = event.vaccination_date.toordinal() - _DAY0
        dose, age = event.dose_number, event.age_years
        jcvi, imd = event.jcvi_group or 0, event.imd_decile or 0
        sex, eth = _SEX_INDEX.get(event.sex), _ETH_INDEX.get(event.ethnic_category)
        if (
            ltla is None
            or msoa is None
            or sex is None
            or eth is None
            or not (0 <= day <= _MAX_DAY and 0 <= dose < 16 and 0 <= age < 128)
            or not (0 <= jcvi < 16 and 0 <= imd < 16)
        ):
            return _spelled_out(event)
        return _COUNTED_BASE + (
            (msoa << _MSOA)
            | (ltla << _LTLA)
            | (day << _DAY)
            | (dose << _DOSE)
            | (age << _AGE)
            | (sex << _SEX)
            | (eth << _ETH)
            | (jcvi << _JCVI)
            | imd
        )

    def counted(self, event: VaccinationEvent) -> StoredState:
        """The COUNTED value of an event: its cells, and for a correction its content digest."""
        cells = self.pack(event)
        if event.kind is EventKind.ADMINISTERED and event.supersedes_event_id is None:
            return cells
        return f"c{_event_digest(event)}|{cells}"

    @staticmethod
    def arrived(event: VaccinationEvent) -> int:
        """The value of an event that arrived and counts nowhere."""
        return -_event_digest(event)

    def retired(self, value: StoredState) -> int:
        """The value of a COUNTED event once superseded: it keeps its content digest."""
        return -self._digest(value)

    def same_content(self, event: VaccinationEvent, value: StoredState) -> bool:
        """Whether ``event`` counts what the arrived event stored as ``value`` counts (True
        when that content was not kept, as for states written before digests)."""
        if value in (LEGACY_SUPERSEDED, LEGACY_VOID):
            return True
        if _is_plain(value):  # an ADMINISTERED event, its cells kept exactly
            plain = event.kind is EventKind.ADMINISTERED and event.supersedes_event_id is None
            return plain and self.pack(event) == value
        return _event_digest(event) == self._digest(value)

    def _digest(self, value: StoredState) -> int:
        """The content digest of an arrived event's value (COUNTED or ARRIVED)."""
        if isinstance(value, str):
            if value.startswith("c"):
                return int(value[1 : value.index("|")])
            return content_digest(EventKind.ADMINISTERED, None, _read_spelled_out(value))
        if value < 0:
            return -value
        return content_digest(EventKind.ADMINISTERED, None, self.unpack(value))

    def unpack(self, value: StoredState) -> Cohort:
        """The cohort of a COUNTED value; ValueError for any other status."""
        if isinstance(value, str):
            if value.startswith("c"):
                cells = value[value.index("|") + 1 :]
                return self.unpack(cells if cells.startswith("t|") else int(cells))
            return _read_spelled_out(value)
        if value < _COUNTED_BASE:
            raise ValueError(f"state {value} is not a counted event")
        v = value - _COUNTED_BASE
        msoa = (v >> _MSOA) & _MAX_MSOA
        jcvi, imd = (v >> _JCVI) & 15, v & 15
        return Cohort(
            ltla_code=self.ltla_codes[(v >> _LTLA) & _MAX_LTLA],
            vaccination_date=date.fromordinal(_DAY0 + ((v >> _DAY) & _MAX_DAY)),
            dose_number=(v >> _DOSE) & 15,
            age_years=(v >> _AGE) & 127,
            sex=SEXES[(v >> _SEX) & 3],
            ethnic_category=ETHNIC_CODES[(v >> _ETH) & 31],
            jcvi_group=jcvi or None,
            imd_decile=imd or None,
            msoa_code=self.msoa_codes[msoa - 1] if msoa else None,
        )


def _is_plain(value: StoredState) -> bool:
    if isinstance(value, str):
        return value.startswith("t|")
    return value >= _COUNTED_BASE


def _spelled_out(e: VaccinationEvent | Cohort) -> str:
    return "|".join(
        (
            "t",
            e.ltla_code,
            e.msoa_code or "",
            e.vaccination_date.isoformat(),
            str(e.dose_number),
            str(e.age_years),
            str(e.sex),
            e.ethnic_category,
            "" if e.jcvi_group is None else str(e.jcvi_group),
            "" if e.imd_decile is None else str(e.imd_decile),
        )
    )


def _read_spelled_out(value: str) -> Cohort:
    _, ltla, msoa, day, dose, age, sex, eth, jcvi, imd = value.split("|")
    return Cohort(
        ltla_code=ltla,
        vaccination_date=date.fromisoformat(day),
        dose_number=int(dose),
        age_years=int(age),
        sex=sex,
        ethnic_category=eth,
        jcvi_group=int(jcvi) if jcvi else None,
        imd_decile=int(imd) if imd else None,
        msoa_code=msoa or None,
    )
