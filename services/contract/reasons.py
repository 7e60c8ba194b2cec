"""Stable reason codes for every refusal: HTTP errors, dead letters and metrics all use these."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why an event was refused; the value is the code publishers and operators see."""

    # Framing and decoding (Avro bytes).
    BAD_MAGIC = "bad_magic"
    UNKNOWN_SCHEMA = "unknown_schema"
    UNDECODABLE = "undecodable"
    # Shape of a JSON event.
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    WRONG_TYPE = "wrong_type"
    BAD_FORMAT = "bad_format"
    INVALID_NHS_NUMBER = "invalid_nhs_number"
    NHS_NUMBER_IN_FIELD = "nhs_number_in_field"
    # Identity of the event and the person.
    EMPTY_EVENT_ID = "empty_event_id"
    EVENT_ID_TOO_LONG = "event_id_too_long"
    INVALID_PERSON_KEY = "invalid_person_key"
    # Corrections and retractions.
    MISSING_SUPERSEDES = "missing_supersedes"
    UNEXPECTED_SUPERSEDES = "unexpected_supersedes"
    SUPERSEDES_SELF = "supersedes_self"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    # Vocabularies.
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_SEX = "unknown_sex"
    UNKNOWN_SITE_TYPE = "unknown_site_type"
    UNKNOWN_ETHNIC_CODE = "unknown_ethnic_code"
    INVALID_SNOMED_CODE = "invalid_snomed_code"
    INVALID_ODS_CODE = "invalid_ods_code"
    # Geography.
    UNKNOWN_AREA = "unknown_area"
    UNKNOWN_MSOA = "unknown_msoa"
    MSOA_NOT_IN_AREA = "msoa_not_in_area"
    # Dates.
    DATE_BEFORE_PROGRAMME = "date_before_programme"
    DATE_IN_FUTURE = "date_in_future"
    RECORDED_BEFORE_VACCINATED = "recorded_before_vaccinated"
    RECORDED_IN_FUTURE = "recorded_in_future"
    # Ranges.
    DOSE_OUT_OF_RANGE = "dose_out_of_range"
    AGE_OUT_OF_RANGE = "age_out_of_range"
    JCVI_GROUP_OUT_OF_RANGE = "jcvi_group_out_of_range"
    IMD_DECILE_OUT_OF_RANGE = "imd_decile_out_of_range"
