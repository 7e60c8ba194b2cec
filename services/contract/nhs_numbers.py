"""Where text holds something that reads as an NHS number, however it is written.

An NHS number is ten digits whose tenth is the modulus 11 check digit of the first nine.
People write them whole (`9434765919`), in 3-3-4 groups (`943 476 5919`, `943-476-5919`) or
any other grouping, with spaces, hyphens, dots, slashes or other punctuation between the
groups, and inside longer text (`AZ for pt 943.476.5919`). So a candidate is any run of
whole digit groups, joined by at most three characters that are neither letters nor digits,
that holds exactly ten digits; a candidate that passes the check is an NHS number. A longer
unbroken run of digits (a SNOMED CT code such as `39114911000001105`) is one number, not a
hiding place, and letters end a run.

Three shapes are read as what they are before looking, so that their digits are never joined
into a candidate: calendar dates and times (`2021-03-01T10:15:00+01:00`, `01/03/2021`,
`20210301`), UUIDs, and words of 12 or more hex characters with a letter among them (hashes,
person keys, short commit-like ids such as `0123456789b7`; a number glued to letters a-f only
is the one form this lets through). A ten-digit product code that fails the check is not an
NHS number; about one in eleven arbitrary ten-digit groupings passes it by chance, which is
the price of never letting a real one through: ids holding ten digits, or digit groups adding
up to ten (`EMIS-12345-67890`), are refused now and then; ids whose digit groups are kept
apart by letters and are shorter or longer than ten digits never are.

`nhs_number_spans` is pure and used by every path that takes events in and by every redaction.
"""

from __future__ import annotations

import re
from operator import mul
from typing import Final

_WEIGHTS: Final = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# The weighted sum of the digits' ASCII codes carries 48 × the weights' sum on top.
_CODE_OFFSET: Final = ord("0") * sum(_WEIGHTS)
_ASCII_DIGITS: Final = b"0123456789"
# Exactly ten digits in whole groups, each gap one to three non-alphanumeric characters.
_CANDIDATE: Final = re.compile(r"(?<!\d)(?:\d[\W_]{0,3}){9}\d(?!\d)")
# The same as a lookahead, so that overlapping candidates are all seen (`12 9434765919`).
_CANDIDATES: Final = re.compile(r"(?<!\d)(?=((?:\d[\W_]{0,3}){9}\d)(?!\d))")
# Any ten consecutive digits, for raw bytes where framing may glue a digit to a number; a
# run of thirteen or more (a SNOMED CT code) is still one number.
_ANY_TEN: Final = re.compile(r"(?=((?:\d[\W_]{0,3}){9}\d))")
_LONG_RUN: Final = re.compile(r"\d{13,}")

_SEP = r"[-/.]"
_YEAR = r"(?:19|20)\d\d"
_YEAR_FIRST = rf"{_YEAR}({_SEP})(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])"
_DAY_FIRST = rf"(?:0?[1-9]|[12]\d|3[01])({_SEP})(?:0?[1-9]|1[0-2])\2{_YEAR}"
_COMPACT = rf"{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?"
_OFFSET = r"(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?"
_NOT_READ: Final = re.compile(
    rf"""
    (?<!\d)(?:{_YEAR_FIRST}|{_DAY_FIRST}|{_COMPACT})(?:[T\x20]{_TIME}{_OFFSET})?(?!\d)
    # A time alone only when no digit group is joined to it: 87:01:38:05:16 is not a time.
    | (?<![\d:])(?<!\d[\W_])(?<!\d[\W_]{{2}})(?<!\d[\W_]{{3}})
      {_TIME}{_OFFSET}(?![\d:])(?![\W_]{{1,3}}\d)
    | (?<![0-9A-Fa-f])[0-9A-Fa-f]{{8}}-(?:[0-9A-Fa-f]{{4}}-){{3}}[0-9A-Fa-f]{{12}}(?![0-9A-Fa-f])
    | (?<![0-9A-Za-z])(?=\d*[A-Fa-f])[0-9A-Fa-f]{{12,}}(?![0-9A-Za-z])
    """,
    re.VERBOSE,
)


def is_nhs_number_digits(digits: str) -> bool:
    """True if `digits` is ten ASCII digits whose last is the modulus 11 check of the rest."""
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        return False
    codes = digits.encode("ascii")
    # map() over the bytes runs in C: a tenth of the time of a generator of int() calls.
    remainder = (sum(map(mul, codes, _WEIGHTS)) - _CODE_OFFSET) % 11
    check = 11 - remainder if remainder else 0
    # A check digit of 10 means the number was never issued.
    return check != 10 and check == codes[9] - 48


def might_hold_nhs_number(text: str) -> bool:
    """Cheap first test: False means `text` certainly holds no NHS number."""
    if len(text) < 10:
        return False
    if text.isascii():
        # Counting digits in C first spares the regular expression almost every field.
        if len(text) - len(text.encode().translate(None, _ASCII_DIGITS)) < 10:
            return False
        if text.isdigit():
            return len(text) == 10
    return _CANDIDATE.search(text) is not None


def nhs_number_spans(text: str, *, inside_longer_numbers: bool = False) -> list[tuple[int, int]]:
    """The (start, end) of every NHS number in `text`, in order; overlapping spans merged.

    `inside_longer_numbers` is for bytes nobody could decode, whose framing may glue a digit or
    two to a number: it looks at every ten digits, inside runs of up to twelve too, and reads
    no date, time or hex string as such. It finds more than there is, as such bytes deserve.
    """
    if inside_longer_numbers:
        finder, masked = _ANY_TEN, _LONG_RUN.sub(lambda m: "x" * len(m.group()), text)
    elif might_hold_nhs_number(text):
        whole = _NOT_READ.match(text)
        if whole is not None and whole.end() == len(text):
            # The masking below would start with this very match and mask every character:
            # a timestamp such as `recorded_at`, in a fraction of the time.
            return []
        finder, masked = _CANDIDATES, _NOT_READ.sub(lambda m: "x" * len(m.group()), text)
    else:
        return []
    spans: list[tuple[int, int]] = []
    for match in finder.finditer(masked):
        start, end = match.span(1)
        digits = "".join(str(int(c)) for c in match.group(1) if c.isdecimal())
        if not is_nhs_number_digits(digits):
            continue
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def holds_nhs_number(text: str) -> bool:
    """True if any part of `text` reads as an NHS number (see the module docstring)."""
    return bool(nhs_number_spans(text))
