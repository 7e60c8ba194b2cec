"""How the groups of different breakdowns of one area are the same people, or add up.

A reader of the published tables knows these relations, so disclosure control must too:

* every breakdown's groups add up to the area's total (breakdown ``none``);
* a JCVI age band is one age band (25-29: the *same* count, published once) or a union of age
  bands (30-39 = 30-34 + 35-39: *derived*, shown as the sum of the published age bands, so it
  says nothing they do not);
* a Census 2021 high-level ethnic group is the *sum* of its detailed groups (or the same count
  where it has only one, "Other ethnic group" and "Not stated or not known");
* the age × ethnic group cross adds up to its ethnic group margin and to its age rows, each a
  union of age bands; a row that is no published group is a *virtual* label ``("~", row)``.

Labels are ``(breakdown, group)``. Age ranges are read from the labels ("30-34", "65+").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.reference.errors import UnknownBreakdownError

Label = tuple[str, str]
VIRTUAL = "~"
TOTAL: Label = ("none", "all")
CROSS = "age_band_ethnic_group"
CROSS_ROWS, CROSS_COLS = "age_band", "ethnic_group"
CROSS_SEPARATOR = "|"


@dataclass(frozen=True)
class AreaLinks:
    """The relations between one area's groups (see the module docstring)."""

    same: tuple[tuple[Label, Label], ...] = ()
    """``(label, canonical)``: the first is published as, and equals, the second."""
    derived: tuple[tuple[Label, tuple[Label, ...]], ...] = ()
    """``(label, parts)``: shown as the sum of its parts' published numbers."""
    sums: tuple[tuple[Label, tuple[Label, ...]], ...] = field(default=())
    """``(target, members)``: the target's count is the members' sum on every date."""


def age_range(label: str) -> tuple[int, int] | None:
    """``"30-34"`` -> (30, 34), ``"80+"`` -> (80, 999); None for a label that is no range."""
    if label.endswith("+") and label[:-1].isdigit():
        return int(label[:-1]), 999
    low, sep, high = label.partition("-")
    if sep and low.isdigit() and high.isdigit():
        return int(low), int(high)
    return None


def _covering(band: str, ages: tuple[str, ...]) -> tuple[str, ...]:
    """The age bands that make up ``band`` exactly; raises when they do not."""
    wanted = age_range(band)
    if wanted is None:
        raise UnknownBreakdownError(f"age group {band!r} is not an age range")
    lo, hi = wanted
    parts = sorted(
        (r, age) for age in ages if (r := age_range(age)) is not None and lo <= r[0] and r[1] <= hi
    )
    expected = lo
    for (first, last), _ in parts:
        if first != expected:
            break
        expected = last + 1
    if not parts or expected != hi + 1:
        raise UnknownBreakdownError(f"age group {band!r} is not a union of the age bands")
    return tuple(age for _, age in parts)


def _ethnic_parent(detailed: str) -> str:
    return detailed.split(":")[0]


def area_links(groups: Mapping[str, tuple[str, ...]]) -> AreaLinks:
    """Relations between the groups of the breakdowns an area publishes (``none`` included)."""
    same: list[tuple[Label, Label]] = []
    derived: list[tuple[Label, tuple[Label, ...]]] = []
    sums: list[tuple[Label, tuple[Label, ...]]] = []
    ages = groups.get("age_band", ())
    for b, labels in groups.items():
        if b != "none":
            sums.append((TOTAL, tuple((b, g) for g in labels)))
    if "jcvi_age_band" in groups and ages:
        for band in groups["jcvi_age_band"]:
            parts = _covering(band, ages)
            if len(parts) == 1:
                same.append((("jcvi_age_band", band), ("age_band", parts[0])))
            else:
                derived.append((("jcvi_age_band", band), tuple(("age_band", p) for p in parts)))
    if "ethnic_group" in groups and "ethnic_group_detailed" in groups:
        detailed = groups["ethnic_group_detailed"]
        for group in groups["ethnic_group"]:
            parts = tuple(d for d in detailed if d == group or _ethnic_parent(d) == group)
            if len(parts) == 1:
                same.append((("ethnic_group", group), ("ethnic_group_detailed", parts[0])))
            elif parts:
                sums.append(
                    (("ethnic_group", group), tuple(("ethnic_group_detailed", p) for p in parts))
                )
    if CROSS in groups:
        sums.extend(_cross_links(groups, same))
    return AreaLinks(tuple(same), tuple(derived), tuple(sums))


def _cross_links(
    groups: Mapping[str, tuple[str, ...]], same: list[tuple[Label, Label]]
) -> list[tuple[Label, tuple[Label, ...]]]:
    rows: dict[str, list[Label]] = {}
    cols: dict[str, list[Label]] = {}
    for label in groups[CROSS]:
        row, sep, col = label.partition(CROSS_SEPARATOR)
        if not sep:
            raise UnknownBreakdownError(f"{CROSS} group {label!r} is not row{CROSS_SEPARATOR}col")
        rows.setdefault(row, []).append((CROSS, label))
        cols.setdefault(col, []).append((CROSS, label))
    sums: list[tuple[Label, tuple[Label, ...]]] = []
    ethnic = set(groups.get(CROSS_COLS, ()))
    for col, cells in cols.items():
        target = (CROSS_COLS, col) if col in ethnic else (VIRTUAL, f"{CROSS_COLS}={col}")
        sums.append((target, tuple(cells)))
    ages = groups.get(CROSS_ROWS, ())
    jcvi = set(groups.get("jcvi_age_band", ()))
    for row, cells in rows.items():
        virtual = (VIRTUAL, f"age={row}")
        sums.append((virtual, tuple(cells)))
        if not ages:
            continue
        parts = _covering(row, ages)
        if len(parts) == 1:
            same.append((virtual, (CROSS_ROWS, parts[0])))
        elif row in jcvi:
            same.append((virtual, ("jcvi_age_band", row)))
        else:
            sums.append((virtual, tuple((CROSS_ROWS, p) for p in parts)))
    return sums
