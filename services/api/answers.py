"""Bodies of the API's answers, as documented in the OpenAPI, and their builders."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.access.roles import Role
from services.platform.key_store import Principal
from services.reference.areas import Area
from services.releases.model import ReleaseMeta, ReleaseStatus

AccessLevel = Literal["full", "headline"]


class ErrorDetail(BaseModel):
    code: str = Field(examples=["forbidden"])
    message: str = Field(
        examples=["this key may read breakdowns only for E09000013 and the areas inside them"]
    )
    details: list[Any] | None = None


class ErrorBody(BaseModel):
    """Every error answer."""

    error: ErrorDetail


class AreaOut(BaseModel):
    """An area, its place in the geography and what the caller may read of it."""

    code: str = Field(examples=["E09000013"])
    name: str = Field(examples=["Hammersmith and Fulham"])
    type: Literal["ltla", "utla", "region"]
    tiers: list[Literal["ltla", "utla", "region"]] = Field(
        description="Every tier this code is (a unitary or London code is both LTLA and UTLA)"
    )
    parent_codes: list[str] = Field(description="Enclosing areas: county (if any), region")
    ltla_codes: list[str] = Field(description="The LTLAs this area covers (itself for an LTLA)")
    population: int = Field(description="ONS mid-2020 resident population")
    access: AccessLevel = Field(
        description="`full`: every breakdown; `headline`: totals only (breakdown=none)"
    )


class AreaList(BaseModel):
    count: int
    areas: list[AreaOut]


class CheckOut(BaseModel):
    name: str
    passed: bool
    detail: str


class ReleaseOut(BaseModel):
    """A release's metadata: when it was cut, what was checked, what disclosure control did."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "as_of": "2021-06-01",
                    "status": "published",
                    "created_at": "2021-06-01T06:00:00+00:00",
                    "published_at": "2021-06-01T09:00:00+00:00",
                    "policy": "nhs-digital",
                    "first_date": "2020-12-08",
                    "last_date": "2021-05-31",
                    "breakdowns": ["none", "ethnic_group", "msoa"],
                    "checks": [{"name": "no_negative_cells", "passed": True, "detail": ""}],
                    "audit": {"suppressed_cells": 1204, "secondary_suppressions": 88},
                    "held_reasons": [],
                    "etag": "r12-5f1c",
                }
            ]
        }
    )

    id: int
    as_of: str
    status: ReleaseStatus
    created_at: str
    published_at: str | None
    policy: str
    first_date: str
    last_date: str
    breakdowns: list[str]
    checks: list[CheckOut]
    audit: dict[str, Any]
    held_reasons: list[str]
    etag: str


class ReleaseList(BaseModel):
    latest: int | None = Field(description="Id of the newest published release")
    releases: list[ReleaseOut]


class ReleaseRef(BaseModel):
    id: int
    as_of: str
    status: str
    published_at: str | None
    policy: str


class AreaRef(BaseModel):
    code: str
    name: str
    type: str


class RowOut(BaseModel):
    """One area × dose × group × date. Suppressed values are null with their flag true."""

    date: str = Field(examples=["2021-03-01"])
    area_code: str
    area_name: str
    dose: int
    breakdown: str
    group: str = Field(examples=["Black, Black British, Black Welsh, Caribbean or African"])
    new: int | None
    new_suppressed: bool
    cumulative: int | None
    cumulative_suppressed: bool
    population: int | None = Field(description="Published (rounded) denominator, if one exists")
    uptake_percent: float | None = Field(
        description="cumulative / population × 100, one decimal; null where withheld"
    )
    release_id: int


class VaccinationsAnswer(BaseModel):
    """Daily and cumulative counts and uptake, one row per date × dose × group."""

    release: ReleaseRef
    area: AreaRef
    query: dict[str, Any]
    permalink: str = Field(description="The same query pinned to this release")
    columns: list[str]
    row_count: int
    rows: list[RowOut]


class GroupUptakeOut(BaseModel):
    dose: int
    group: str
    date: str
    cumulative: int | None
    cumulative_suppressed: bool
    population: int | None
    uptake_percent: float | None
    area_uptake_percent: float | None
    gap_percentage_points: float | None = Field(description="Group uptake minus area uptake")
    rank: int | None = Field(description="1 = lowest uptake; null when withheld")
    withheld_reason: Literal["suppressed", "no_denominator"] | None
    label: str = Field(description="Readable name of the group (an MSOA's name)")


class SummaryAnswer(BaseModel):
    """Latest uptake of every group of a breakdown, ranked by the gap to the area's uptake."""

    release: ReleaseRef
    area: AreaRef
    breakdown: str
    permalink: str
    groups: list[GroupUptakeOut]


class Me(BaseModel):
    key_id: str
    name: str
    role: str
    areas: list[str]
    full_access_areas: list[str] | Literal["all"]


class KeyOut(BaseModel):
    key_id: str
    role: str
    name: str
    areas: list[str]
    created_at: str
    revoked_at: str | None


class NewKeyRequest(BaseModel):
    role: Role
    name: str = Field(min_length=1, max_length=200, examples=["Hammersmith and Fulham PH team"])
    areas: list[str] = Field(default_factory=list, max_length=200, examples=[["E09000013"]])


class NewKey(BaseModel):
    key: str = Field(description="The key itself, shown this once only")
    principal: KeyOut


class HoldRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, examples=["suspicious drop in Brent"])


class DeadLetterCount(BaseModel):
    stage: str
    reason: str
    count: int


class DeadLetters(BaseModel):
    total: int
    by_reason: list[DeadLetterCount]


class AuditEntryOut(BaseModel):
    id: str
    time: str
    key_id: str
    name: str
    role: str
    area: str
    query: str
    release_id: int | None
    rows: int
    outcome: str


class AuditTail(BaseModel):
    entries: list[AuditEntryOut]


def release_ref(meta: ReleaseMeta) -> dict[str, object]:
    """The short form of a release carried by every data answer."""
    return {
        "id": meta.id,
        "as_of": meta.as_of,
        "status": str(meta.status),
        "published_at": meta.published_at,
        "policy": meta.policy,
    }


def release_out(meta: ReleaseMeta) -> dict[str, object]:
    """A release's full public metadata."""
    return {
        "id": meta.id,
        "as_of": meta.as_of,
        "status": str(meta.status),
        "created_at": meta.created_at,
        "published_at": meta.published_at,
        "policy": meta.policy,
        "first_date": meta.first_date,
        "last_date": meta.last_date,
        "breakdowns": list(meta.breakdowns),
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in meta.checks],
        "audit": meta.audit,
        "held_reasons": list(meta.held_reasons),
        "etag": meta.etag,
    }


def key_out(principal: Principal) -> dict[str, object]:
    """A key's public record (never the key or its digest)."""
    return {
        "key_id": principal.key_id,
        "role": str(principal.role),
        "name": principal.name,
        "areas": list(principal.areas),
        "created_at": principal.created_at,
        "revoked_at": principal.revoked_at,
    }


def area_ref(area: Area) -> dict[str, object]:
    """The short form of an area carried by every data answer."""
    return {"code": area.code, "name": area.name, "type": area.type}
