"""Whether any of an event's values holds an NHS number: the rule per value, and a fast screen.

A string holds one if `nhs_numbers.holds_nhs_number` finds one in it (strings longer than
`LONGEST_CHECKED_TEXT` are left to their field's own length rule); an integer holds one if
its ten digits are one. `any_holds_nhs_number` answers exactly what asking each value would,
faster: most values of an event repeat from one event to the next (codes, names, dates), so
strings found clean are remembered and the next copy costs a set lookup. Only strings that
hold no NHS number are remembered, in this process's memory, and only short ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from services.contract.nhs_numbers import holds_nhs_number, is_nhs_number_digits

# Longer strings are refused by their field's own rule (every string field has one).
LONGEST_CHECKED_TEXT: Final = 1024
# Remembered strings are at most this long, and at most this many are kept before starting
# afresh: a few megabytes at worst, while the values that repeat are back after one event.
_LONGEST_REMEMBERED: Final = 64
_MOST_REMEMBERED: Final = 20_000
_LOWEST, _HIGHEST = 10**9, 10**10

_clean: set[str] = set()


def value_holds_nhs_number(value: object) -> bool:
    """True if a field's value holds what reads as an NHS number (the rule of this module)."""
    if isinstance(value, str):
        # `holds_nhs_number` begins with the cheap `might_hold_nhs_number` test itself.
        return 10 <= len(value) <= LONGEST_CHECKED_TEXT and holds_nhs_number(value)
    return type(value) is int and _LOWEST <= value < _HIGHEST and is_nhs_number_digits(str(value))


def any_holds_nhs_number(values: Iterable[object]) -> bool:
    """True if any value holds an NHS number; the same answer as asking each value in turn."""
    clean = _clean
    # Strings already found clean are skipped; every other string and every ten-digit
    # integer is asked. Nothing else can hold one (booleans, None, floats, lists, objects).
    unknown = [
        v
        for v in values
        if (isinstance(v, str) and v not in clean)
        or (v.__class__ is int and _LOWEST <= v < _HIGHEST)
    ]
    for value in unknown:
        if value_holds_nhs_number(value):
            return True
        if isinstance(value, str) and len(value) <= _LONGEST_REMEMBERED:
            if len(clean) >= _MOST_REMEMBERED:
                clean.clear()
            clean.add(value)
    return False
