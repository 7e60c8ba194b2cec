"""The release rules the CLI and the operator API share: publish, hold, fail, stuck."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.releases import lifecycle
from services.releases.errors import ReleaseConflict
from services.releases.model import Check, ReleaseMeta, ReleaseStatus

NOW = datetime(2021, 7, 1, 9, 30, tzinfo=UTC)


def _meta(status: ReleaseStatus, *failed: str) -> ReleaseMeta:
    checks = [Check(name, False, "failed") for name in failed]
    return ReleaseMeta(
        7, "2021-06-30", status, "t", "nhs-digital", "2020-12-08", "x", ["none"], checks=checks
    )


@pytest.mark.parametrize("status", [ReleaseStatus.DRAFT, ReleaseStatus.HELD])
def test_a_draft_or_reviewed_held_release_is_published(status: ReleaseStatus) -> None:
    published = lifecycle.publish(_meta(status, "dead_letter_share"), at=NOW)
    assert published.status is ReleaseStatus.PUBLISHED
    assert published.published_at == "2021-07-01T09:30:00+00:00"


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (ReleaseStatus.BUILDING, "it is building"),
        (ReleaseStatus.FAILED, "it is failed"),
        (ReleaseStatus.PUBLISHED, "already published"),
    ],
)
def test_publishing_a_release_not_ready_or_already_published_is_a_conflict(
    status: ReleaseStatus, why: str
) -> None:
    with pytest.raises(ReleaseConflict, match=why):
        lifecycle.publish(_meta(status), at=NOW)


@pytest.mark.parametrize("check", sorted(lifecycle.NEVER_PUBLISHABLE))
def test_no_review_publishes_a_release_that_failed_a_privacy_or_impossibility_check(
    check: str,
) -> None:
    with pytest.raises(ReleaseConflict, match=f"failed {check}; it can never be published"):
        lifecycle.publish(_meta(ReleaseStatus.HELD, check), at=NOW)


def test_holding_records_the_reason_and_who() -> None:
    held = lifecycle.hold(_meta(ReleaseStatus.DRAFT), "  Brent dip ", by="ops")
    assert held.status is ReleaseStatus.HELD and held.held_reasons == ["Brent dip (by ops)"]


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (ReleaseStatus.BUILDING, "building"),
        (ReleaseStatus.PUBLISHED, "immutable"),
        (ReleaseStatus.FAILED, "failed"),
    ],
)
def test_only_drafts_and_held_releases_can_be_held(status: ReleaseStatus, why: str) -> None:
    with pytest.raises(ReleaseConflict, match=why):
        lifecycle.hold(_meta(status), "no", by="ops")


def test_a_building_release_without_a_live_builder_is_stuck_and_fails_with_its_reason() -> None:
    building = _meta(ReleaseStatus.BUILDING)
    assert not lifecycle.is_stuck(building, builder_alive=True)
    assert lifecycle.is_stuck(building, builder_alive=False)
    assert not lifecycle.is_stuck(_meta(ReleaseStatus.DRAFT), builder_alive=False)
    failed = lifecycle.fail(building, "the builder died")
    assert failed.status is ReleaseStatus.FAILED and failed.held_reasons == ["the builder died"]
    assert building.status is ReleaseStatus.BUILDING, "the rules never change their input"
    with pytest.raises(ReleaseConflict):
        lifecycle.fail(failed, "again")
