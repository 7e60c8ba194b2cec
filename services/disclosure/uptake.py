"""Uptake percentages, computed only from published numbers.

The numerator is the published count and the denominator the policy's published population,
so a reader can recompute every percentage from what they see. One decimal place, rounded
half up. Withheld (NaN in arrays, None for scalars) where the numerator is suppressed or there
is no positive published population.
"""

from __future__ import annotations

import math

import numpy as np

from services.disclosure.policy import Policy
from services.disclosure.published import PublishedArray


def uptake_percent(numerator: PublishedArray, population: np.ndarray, policy: Policy) -> np.ndarray:
    """Vectorised uptake % (float, NaN where withheld); population broadcasts to the numerator."""
    denominator = policy.publish_population(np.asarray(population, dtype=np.int64))
    denominator = np.broadcast_to(denominator, numerator.values.shape)
    withheld = numerator.suppressed | (denominator <= 0)
    safe = np.where(withheld, 1, denominator)
    # Integer arithmetic for the rounding: round half up of 1000*n/d at one decimal place.
    tenths = (numerator.values * 2000 + safe) // (2 * safe)
    return np.where(withheld, np.nan, tenths / 10.0)


def uptake(numerator: int | None, population: int | None, policy: Policy) -> float | None:
    """Scalar uptake % from a published numerator and a raw population (None if withheld)."""
    if numerator is None or population is None:
        return None
    published = PublishedArray.from_values(np.array([numerator]), np.array([False]))
    value = float(uptake_percent(published, np.array([population]), policy)[0])
    return None if math.isnan(value) else value
