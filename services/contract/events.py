"""The vaccination event: one administration, correction or retraction, as the system speaks it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class EventKind(StrEnum):
    """FHIR Immunization vocabulary: what the event does to the count."""

    ADMINISTERED = "ADMINISTERED"
    CORRECTED = "CORRECTED"
    ENTERED_IN_ERROR = "ENTERED_IN_ERROR"


class Sex(StrEnum):
    """Person stated gender, NHS Data Dictionary values."""

    FEMALE = "FEMALE"
    MALE = "MALE"
    INDETERMINATE = "INDETERMINATE"
    NOT_KNOWN = "NOT_KNOWN"


class SiteType(StrEnum):
    """Where the vaccination was given."""

    GP = "GP"
    PHARMACY = "PHARMACY"
    VACCINATION_CENTRE = "VACCINATION_CENTRE"
    HOSPITAL_HUB = "HOSPITAL_HUB"
    CARE_HOME = "CARE_HOME"
    HOUSEBOUND = "HOUSEBOUND"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class VaccinationEvent:
    """One event as published; person-level, pseudonymous, never shown to councils."""

    event_id: str
    kind: EventKind
    supersedes_event_id: str | None
    person_key: str
    vaccination_date: date
    recorded_at: datetime
    dose_number: int
    vaccine_snomed_code: str
    vaccine_name: str
    ltla_code: str
    msoa_code: str | None
    age_years: int
    sex: Sex
    ethnic_category: str
    jcvi_group: int | None
    imd_decile: int | None
    clinically_extremely_vulnerable: bool
    health_social_care_worker: bool
    care_home_resident: bool
    site_type: SiteType
    source_system: str
    # Added in schema version 2; optional so version-1 events still load.
    vaccination_site_ods_code: str | None = None
