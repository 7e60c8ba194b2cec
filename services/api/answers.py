"""Bodies of the API's answers, as documented in the OpenAPI, and their builders."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.access.roles import Role
from services.api.caching import etag_for
from services.platform.key_store import Principal
from services.reference import breakdown_populations as rules
from services.reference.age_ranges import ALL_AGES, AgeRange
from services.reference.areas import Area
from services.reference.denominators import SOURCE_NAMES, Source
from services.releases.model import ReleaseMeta, ReleaseStatus

AccessLevel = Literal["full", "headline"]


class ErrorDetail(BaseModel):
    code: str = Field(examples=["forbidden"])
    message: str = Field(
        examples=["this key may read breakdowns only for E09000013 and the areas inside them"]
    )
    details: list[Any] | None = None
    successor: str | None = Field(
        None,
        description="For a pre-2021 area code: the code its residents are counted under now",
        examples=["E06000060"],
    )


class ErrorBody(BaseModel):
    """Every error answer."""

    error: ErrorDetail


class AreaOut(BaseModel):
    """An area, its place in the geography and what the caller may read of it."""

    code: str = Field(examples=["E09000013"])
    name: str = Field(examples=["Hammersmith and Fulham"])
    type: Literal["ltla", "utla", "region", "country"]
    tiers: list[Literal["ltla", "utla", "region", "country"]] = Field(
        description="Every tier this code is (a unitary or London code is both LTLA and UTLA)"
    )
    parent_codes: list[str] = Field(description="Enclosing areas: county (if any), region, England")
    ltla_codes: list[str] = Field(description="The LTLAs this area covers (itself for an LTLA)")
    population: int = Field(description="ONS mid-2020 resident population")
    access: AccessLevel = Field(
        description="`full`: every breakdown; `headline`: totals only (breakdown=none; "
        "England and the regions are published as headlines only)"
    )


class AreaList(BaseModel):
    count: int
    areas: list[AreaOut]


class CheckOut(BaseModel):
    name: str
    passed: bool
    detail: str


class RollbackOut(BaseModel):
    latest_id: int = Field(description="The release that was the latest published")
    latest_as_of: str = Field(description="The date that release's data end")
    reason: str
    by: str


class PublishRequest(BaseModel):
    allow_older_data: bool = Field(
        False,
        description="Publish although its data end before the latest published release's "
        "(councils' latest figures go back in time); needs a reason",
    )
    reason: str | None = Field(None, min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _reason_with_permission(self) -> PublishRequest:
        if self.allow_older_data != (self.reason is not None):
            raise ValueError("allow_older_data and reason go together")
        return self


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
                    "etag": '"3f6a1c0e9b2d4a7f8c5e1d3b6a9f0c2e"',
                    "rollback": None,
                }
            ]
        }
    )

    id: int
    as_of: str = Field(description="The date its data end: the last vaccination date counted")
    status: ReleaseStatus
    created_at: str
    published_at: str | None = Field(description="When it was published (null: not yet)")
    policy: str
    first_date: str
    last_date: str
    breakdowns: list[str]
    checks: list[CheckOut]
    audit: dict[str, Any]
    held_reasons: list[str]
    etag: str = Field(
        description="The ETag of this release's answer, exactly as in its ETag header (quotes "
        "included): send it as If-None-Match to GET /v1/releases/{id} or /v1/releases/latest"
    )
    rollback: RollbackOut | None = Field(
        description="Set when an operator published it although its data end before those of "
        "the release that was the latest published: which one, why and who"
    )


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


WithheldReason = Literal[
    "suppressed",
    "part_suppressed",
    "count_not_published",
    "zero_population",
    "no_source",
    "unsupported_age_range",
    "not_counted",
    "outside_area",
    "outside_age_range",
    "partly_outside_age_range",
    "missing_reference_data",
]


class RowOut(BaseModel):
    """One area × dose × group × date. Suppressed values are null with their flag true."""

    date: str = Field(examples=["2021-03-01"])
    area_code: str
    area_name: str
    dose: int
    breakdown: str
    group: str = Field(examples=["Black, Black British, Black Welsh, Caribbean or African"])
    new: int | None = Field(
        description="People vaccinated since the previous published date: the difference of "
        "two published cumulative counts; null where blank"
    )
    new_suppressed: bool
    cumulative: int | None = Field(
        description="People vaccinated up to this date, 0 or rounded to the nearest 5 (or "
        "rounded_to); null where blank: a count of 1 to 7, or a figure held back to protect "
        "other published figures"
    )
    cumulative_suppressed: bool
    population: int | None = Field(
        description="The population the uptake is over (ages and source in the next columns)"
    )
    uptake_percent: float | None = Field(
        description="uptake_numerator / population × 100, one decimal; null where withheld "
        "(uptake_withheld_reason says why); never capped at 100"
    )
    release_id: int
    population_ages: str = Field(
        description="Ages of the population: the chosen range, or the group's own age band",
        examples=["16+"],
    )
    population_source: Literal["ons", "census", "nims"] | None
    population_estimated: bool = Field(
        description="True where the population is an estimate (detailed ethnic groups by age)"
    )
    uptake_numerator: int | None = Field(
        description="The count divided: this row's cumulative count, or the sum of the "
        "published cells that count the group over population_ages"
    )
    uptake_numerator_ages: str = Field(
        description="Ages the count covers: 'all' where counts are not published by age"
    )
    uptake_withheld_reason: WithheldReason | None
    uptake_above_100: bool = Field(
        description="The uptake exceeds 100% (list inflation, or a count and a population "
        "that do not match): shown as it is"
    )
    vaccinated_outside_ages: int | None = Field(
        description="Where the count is of every age: people younger than population_ages "
        "vaccinated in the area (sum of published age bands)"
    )
    comparison_source: Literal["ons", "nims"] | None = Field(
        description="Where ONS and NIMS uptakes differ by more than 3 points: the other source"
    )
    comparison_population: int | None
    comparison_uptake_percent: float | None
    new_period_start: str | None = Field(
        description="First day `new` counts (null where `new` is blank)"
    )
    rounded_to: int | None = Field(
        description="The group's rounding step (5 by default; null where it is the sum of "
        "other groups' figures)"
    )
    max_error: int | None = Field(description="The most a figure may differ from the truth")
    withheld: bool = Field(
        description="The group is blank on every date, to protect other published figures"
    )
    group_name: str | None = Field(
        description="The group's name where the group is a code (an MSOA's name)",
        examples=["Old Oak & Wormwood"],
    )


class PopulationOut(BaseModel):
    """The population every uptake of an answer is over, and how its count is formed."""

    ages: str = Field(examples=["16+"])
    source: Literal["ons", "census", "nims"] | None
    source_name: str | None = Field(examples=["ONS mid-2020 estimates"])
    default_source: Literal["ons", "census", "nims"] | None
    sources: list[Literal["ons", "census", "nims"]] = Field(
        description="The sources this breakdown's populations can come from"
    )
    counts: str = Field(description="How each group's count over these ages is formed")


class VaccinationsAnswer(BaseModel):
    """Daily and cumulative counts and uptake, one row per date × dose × group."""

    release: ReleaseRef
    area: AreaRef
    query: dict[str, Any]
    permalink: str = Field(description="The same query pinned to this release")
    columns: list[str]
    row_count: int
    population: PopulationOut
    rows: list[RowOut]


class GroupUptakeOut(BaseModel):
    dose: int
    group: str
    date: str
    cumulative: int | None
    cumulative_suppressed: bool
    population: int | None
    uptake_percent: float | None = Field(description="Crude uptake over the population")
    area_uptake_percent: float | None = Field(description="The area's uptake, same population")
    gap_percentage_points: float | None = Field(description="Group uptake minus area uptake")
    rank: int | None = Field(
        description="1 = lowest uptake (age-standardised for ethnic groups); null when withheld"
    )
    withheld_reason: WithheldReason | None
    label: str = Field(description="Readable name of the group (an MSOA's name)")
    population_ages: str
    population_source: Literal["ons", "census", "nims"] | None
    population_estimated: bool
    uptake_numerator: int | None
    uptake_numerator_ages: str
    uptake_above_100: bool
    vaccinated_outside_ages: int | None
    age_standardised_uptake_percent: float | None = Field(
        description="Directly age-standardised uptake (ethnic groups), standard in the answer"
    )
    area_age_standardised_uptake_percent: float | None
    age_standardised_gap_percentage_points: float | None
    age_standardised_withheld_reason: str | None
    comparison_source: Literal["ons", "nims"] | None
    comparison_population: int | None
    comparison_uptake_percent: float | None
    withheld_detail: str | None = Field(description="Why the uptake is withheld, in words")
    last_published_date: str | None = Field(
        description="Where the uptake is withheld on the release's last date: the latest date "
        "this release shows it (null: never shown in this release)"
    )
    last_published_cumulative: int | None = Field(
        description="The group's published count on last_published_date (null where blank)"
    )
    last_published_uptake_percent: float | None = Field(
        description="The group's uptake on last_published_date"
    )


class SummaryAnswer(BaseModel):
    """Latest uptake of every group within one population, ranked by the gap to the area."""

    release: ReleaseRef
    area: AreaRef
    breakdown: str
    permalink: str
    population: PopulationOut
    ranked_by: Literal["age_standardised", "crude"]
    standard: Literal["area", "esp2013"] | None
    standard_name: str | None
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


class DeadLetterPublisherCount(BaseModel):
    stage: str
    reason: str
    publisher: str = Field(description='Publisher\'s name; "" when the record was not decodable')
    count: int


class DeadLetters(BaseModel):
    total: int
    by_reason: list[DeadLetterCount]
    by_publisher: list[DeadLetterPublisherCount]


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
    """A release's full public metadata, with the ETag its answers carry."""
    out: dict[str, object] = {
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
        "rollback": asdict(meta.rollback) if meta.rollback else None,
    }
    # Everything the answer says, so the ETag changes exactly when the answer does.
    out["etag"] = etag_for(meta.etag, out)
    return out


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


def population_out(breakdown: str, ages: AgeRange, source: Source | None) -> dict[str, object]:
    """What the uptakes of an answer are over, and how each group's count is formed."""
    rule = rules.RULES[breakdown]
    default = rules.default_source(breakdown)
    if rule.cohort is None:
        counts = rules.NO_JCVI_POPULATION
    elif rule.counts_by_age == "band":
        counts = (
            f"each age band's own count over the population of that band; bands outside "
            f"ages {ages} have no uptake"
        )
    elif rule.counts_by_age == "all_ages":
        counts = "each group's count of every age (its counts are not published by age)"
        if ages != ALL_AGES:
            counts += (
                f"; vaccinated_outside_ages gives the people younger than {ages.lo} "
                "vaccinated in the area (published age bands)"
            )
    elif ages == ALL_AGES:
        counts = "each group's own count"
    elif rule.counts_by_age == "age_band":
        counts = (
            f"the sum of the published age band counts for ages {ages} (where one is "
            "suppressed: the total less the published age bands outside those ages)"
        )
    else:
        counts = (
            f"the sum of the group's published age band × ethnic group counts for ages {ages} "
            "(where one is suppressed: the group's count less its published cells outside "
            "those ages)"
        )
    if breakdown == "ethnic_group_detailed" and ages != ALL_AGES:
        counts += (
            f"; populations aged {ages} are estimated from the census five groups' age "
            "structure (population_estimated)"
        )
    return {
        "ages": ages.label,
        "source": None if source is None else source.value,
        "source_name": None if source is None else SOURCE_NAMES[source],
        "default_source": None if default is None else default.value,
        "sources": [s.value for s in rule.sources],
        "counts": counts,
    }
