"""What a release is: its status, its checks, its metadata and its published tables.

Pure data, shared by the release service (which writes releases) and the council API (which
serves them); the rules for moving a release between statuses are in `lifecycle`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


class ReleaseStatus(StrEnum):
    """Where a release is in its life."""

    BUILDING = "building"
    HELD = "held"
    DRAFT = "draft"  # passed every check, waiting for an operator to publish it
    PUBLISHED = "published"
    FAILED = "failed"  # the build stopped before it finished; never served, never publishable


@dataclass(frozen=True, slots=True)
class Check:
    """One verification step and its result."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Rollback:
    """An operator's decision to publish data ending before the latest published release's."""

    latest_id: int  # the release that was the latest published
    latest_as_of: str  # and the date its data end
    reason: str
    by: str


@dataclass(slots=True)
class ReleaseMeta:
    """What a release is: when it was cut, what was checked, what disclosure control did.

    `as_of` is the date its data end (the last vaccination date it counts); `published_at`
    when an operator (or `create --publish`) published it.
    """

    id: int
    as_of: str
    status: ReleaseStatus
    created_at: str
    policy: str
    first_date: str
    last_date: str
    breakdowns: list[str]
    cut_offsets: dict[str, int] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)
    held_reasons: list[str] = field(default_factory=list)
    published_at: str | None = None
    etag: str = ""
    rollback: Rollback | None = None  # set when published although its data end earlier

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> ReleaseMeta:
        data = json.loads(raw)
        data["status"] = ReleaseStatus(data["status"])
        data["checks"] = [Check(**c) for c in data["checks"]]
        if data.get("rollback"):
            data["rollback"] = Rollback(**data["rollback"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class PublishedTable:
    """One area × dose × breakdown of a release: groups × dates, published values only.

    ``cumulative[g][c]`` is group ``groups[g]``'s published cumulative count on the date of
    column c: ``first_date + c`` days for a daily table, ``first_date + columns[c]`` days for
    a weekly one. None means blank. ``new[g][c]`` is the difference of the published
    cumulative counts of columns c-1 and c (the whole count where column c-1 is blank).
    ``rounding[g]`` is the group's rounding step (0 where it is shown as the sum of other
    groups), ``max_error[g]`` the most a figure of the group may differ from the truth, and
    ``withheld[g]`` whether the group is blank throughout to protect other figures.
    Populations are not part of a release: uptake is computed when it is read.
    """

    area: str
    dose: int
    breakdown: str
    first_date: date
    groups: tuple[str, ...]
    new: tuple[tuple[int | None, ...], ...]
    cumulative: tuple[tuple[int | None, ...], ...]
    columns: tuple[int, ...] = ()
    rounding: tuple[int, ...] = ()
    max_error: tuple[int, ...] = ()
    withheld: tuple[bool, ...] = ()

    @property
    def dates(self) -> list[date]:
        """The date of every column."""
        if self.columns:
            return [self.first_date + timedelta(days=c) for c in self.columns]
        width = len(self.cumulative[0]) if self.cumulative else 0
        return [self.first_date + timedelta(days=i) for i in range(width)]

    @property
    def weekly(self) -> bool:
        """Whether the table is published for the end of every week only."""
        return bool(self.columns)

    def to_json(self) -> str:
        return json.dumps(
            {
                "area": self.area,
                "dose": self.dose,
                "breakdown": self.breakdown,
                "first_date": self.first_date.isoformat(),
                "groups": self.groups,
                "new": self.new,
                "cumulative": self.cumulative,
                "columns": self.columns,
                "rounding": self.rounding,
                "max_error": self.max_error,
                "withheld": self.withheld,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> PublishedTable:
        d = json.loads(raw)
        return cls(
            area=d["area"],
            dose=d["dose"],
            breakdown=d["breakdown"],
            first_date=date.fromisoformat(d["first_date"]),
            groups=tuple(d["groups"]),
            new=tuple(tuple(row) for row in d["new"]),
            cumulative=tuple(tuple(row) for row in d["cumulative"]),
            columns=tuple(d.get("columns", ())),
            rounding=tuple(d.get("rounding", ())),
            max_error=tuple(d.get("max_error", ())),
            withheld=tuple(d.get("withheld", ())),
        )
