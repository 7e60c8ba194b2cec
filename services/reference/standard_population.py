"""The 2013 European Standard Population (ESP 2013), for direct age standardisation.

Eurostat's revised European Standard Population (2013), per 100,000, in five-year bands to
90 and over, as ONS uses it. A band that does not start on a five-year boundary takes a share
of a five-year band in proportion to the single years it covers (16-19 is four fifths of
15-19), the usual assumption of a uniform spread within a band.
"""

from __future__ import annotations

from types import MappingProxyType

from services.reference.age_ranges import AgeRange

ESP_2013: MappingProxyType[str, int] = MappingProxyType(
    {
        "0-4": 5000,
        "5-9": 5500,
        "10-14": 5500,
        "15-19": 5500,
        "20-24": 6000,
        "25-29": 6000,
        "30-34": 6500,
        "35-39": 7000,
        "40-44": 7000,
        "45-49": 7000,
        "50-54": 7000,
        "55-59": 6500,
        "60-64": 6000,
        "65-69": 5500,
        "70-74": 5000,
        "75-79": 4000,
        "80-84": 2500,
        "85-89": 1500,
        "90+": 1000,
    }
)
_TOP = 90


def esp_weight(ages: AgeRange) -> float:
    """The ESP 2013 weight of an age range (single years of a band share it equally)."""
    total = 0.0
    for i, weight in enumerate(ESP_2013.values()):
        lo = 5 * i
        if lo == _TOP:
            covered = 1.0 if ages.hi is None and ages.lo <= _TOP else 0.0
        else:
            hi = lo + 4 if ages.hi is None else min(lo + 4, ages.hi)
            covered = max(0, hi - max(lo, ages.lo) + 1) / 5
        total += weight * covered
    return total
