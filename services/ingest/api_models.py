"""Shapes of the ingest HTTP API, for its OpenAPI document and its answers.

`EventJson` documents the contract's JSON form (see `services.contract.json_codec`, which is
what actually parses events); a test keeps its fields equal to the codec's.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class EventJson(BaseModel):
    """One vaccination event as JSON. Give `nhs_number` or `person_key`, never both."""

    event_id: str = Field(description="Publisher-assigned, globally unique, 1-128 ASCII chars")
    kind: Literal["ADMINISTERED", "CORRECTED", "ENTERED_IN_ERROR"]
    supersedes_event_id: str | None = Field(
        None, description="The event a CORRECTED or ENTERED_IN_ERROR event replaces"
    )
    nhs_number: str | None = Field(
        None, description="Ten digits (spaces allowed); pseudonymised here and never stored"
    )
    person_key: str | None = Field(
        None, description="Already pseudonymised person key: 64 lowercase hex characters"
    )
    vaccination_date: str = Field(description="YYYY-MM-DD", examples=["2021-03-01"])
    recorded_at: str = Field(description="ISO 8601 with a UTC offset")
    dose_number: int = Field(ge=1, le=10)
    vaccine_snomed_code: str = Field(description="SNOMED CT concept id of the vaccine product")
    vaccine_name: str
    ltla_code: str = Field(description="ONS LTLA code of residence (2021, or a legacy code)")
    msoa_code: str | None = Field(None, description="ONS 2011 MSOA code of residence")
    age_years: int = Field(ge=0, le=120, description="Age on the vaccination date")
    sex: Literal["FEMALE", "MALE", "INDETERMINATE", "NOT_KNOWN"]
    ethnic_category: str = Field(description="NHS ethnic category code (A-S, Z or 99)")
    jcvi_group: int | None = Field(None, ge=1, le=9)
    imd_decile: int | None = Field(None, ge=1, le=10)
    clinically_extremely_vulnerable: bool
    health_social_care_worker: bool
    care_home_resident: bool
    site_type: Literal[
        "GP", "PHARMACY", "VACCINATION_CENTRE", "HOSPITAL_HUB", "CARE_HOME", "HOUSEBOUND", "OTHER"
    ]
    source_system: str | None = Field(
        None, description="Ignored: the publisher name of the API key is recorded instead"
    )
    vaccination_site_ods_code: str | None = Field(None, description="ODS code of the site")


class ItemResultModel(BaseModel):
    """The answer for one event, in the order the batch gave them."""

    index: int = Field(description="Position of the event in the batch, from 0")
    status: Literal["accepted", "rejected"]
    event_id: str | None = Field(description="The event id, when it could be read")
    reason: str | None = Field(None, description="Reason code of a rejection")
    message: str | None = Field(None, description="What is wrong, for a person to fix")
    field: str | None = Field(None, description="The event field at fault, if one is")


class BatchResponse(BaseModel):
    """Per-event answers for a batch, with totals."""

    accepted: int
    rejected: int
    results: list[ItemResultModel]


class ErrorDetail(BaseModel):
    """A machine-readable code and a human message."""

    code: str
    message: str


class ErrorResponse(BaseModel):
    """The body of every error answer."""

    error: ErrorDetail
