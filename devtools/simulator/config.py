"""What the simulator is asked to produce, and what it produces: configs and records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from devtools.simulator import rollout as model
from devtools.simulator.faults import FAULT_MAKERS
from services.contract.events import VaccinationEvent
from services.contract.reasons import Reason
from services.reference.areas import load_areas
from services.reference.errors import UnknownAreaError

NW_LONDON: tuple[str, ...] = (
    "E09000005",  # Brent
    "E09000009",  # Ealing
    "E09000013",  # Hammersmith and Fulham
    "E09000015",  # Harrow
    "E09000017",  # Hillingdon
    "E09000018",  # Hounslow
    "E09000020",  # Kensington and Chelsea
    "E09000033",  # Westminster
)
# Not a secret: it only makes simulated person keys reproducible.
DEFAULT_PSEUDONYM_KEY = b"vaxshare-simulator-key-not-secret"
DEFAULT_INVALID_RATES: Mapping[Reason, float] = MappingProxyType(
    dict.fromkeys(FAULT_MAKERS, 0.0003)
)


@dataclass(frozen=True)
class TraitRates:
    """How often each data-quality trait occurs, per valid administration."""

    duplicate: float = 0.01  # resubmitted with the same event id (any valid record)
    correction: float = 0.005  # first sent wrong, then CORRECTED
    retraction: float = 0.003  # entered twice, the extra entry then ENTERED_IN_ERROR
    early_retraction_share: float = 0.3  # of retractions, emitted before what they retract
    late: float = 0.03  # recorded 2-21 days after the vaccination
    invalid: Mapping[Reason, float] = field(default_factory=lambda: dict(DEFAULT_INVALID_RATES))


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate; the same config always gives the same feed."""

    areas: tuple[str, ...] = NW_LONDON
    scale: float = 0.01
    start: date = model.PROGRAMME_START
    end: date = date(2021, 6, 30)
    seed: int = 2021
    rates: TraitRates = field(default_factory=TraitRates)
    pseudonym_key: bytes = DEFAULT_PSEUDONYM_KEY
    # True: records are published with NHS numbers (HTTP, files); False: with person keys.
    with_nhs_numbers: bool = True

    def __post_init__(self) -> None:
        for code in self.areas:
            if load_areas().ltla(code) is None:
                raise UnknownAreaError(f"{code} is not a current LTLA code")
        if not 0 < self.scale <= 1:
            raise ValueError("scale must be in (0, 1]")
        if self.end < self.start:
            raise ValueError("end is before start")


class Trait(StrEnum):
    """What part a record plays in the feed."""

    ORIGINAL = "original"
    LATE = "late"
    DUPLICATE = "duplicate"
    WRONG = "wrong"  # an original a later correction fixes
    CORRECTION = "correction"
    MISTAKEN = "mistaken"  # a second entry of the same vaccination, later retracted
    RETRACTION = "retraction"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class SimulatedRecord:
    """One record of the feed with the simulator's knowledge of it."""

    event: VaccinationEvent  # person_key is empty when the NHS number is invalid
    nhs_number: str
    valid: bool
    trait: Trait
    reason: Reason | None = None
