"""The release rules the CLI and the operator API share: publish, hold, fail, stuck."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.releases import lifecycle
from services.releases.errors import ReleaseConflict
from services.releases.model import Check, ReleaseMeta, ReleaseStatus, Rollback

NOW = datetime(2021, 7, 1, 9, 30, tzinfo=UTC)


def _meta(
    status: ReleaseStatus, *failed: str, release_id: int = 7, as_of: str = "2021-06-30"
) -> ReleaseMeta:
    checks = [Check(name, False, "failed") for name in failed]
    return ReleaseMeta(
        release_id, as_of, status, "t", "nhs-digital", "2020-12-08", as_of, ["none"], checks=checks
    )


@pytest.mark.parametrize("status", [ReleaseStatus.DRAFT, ReleaseStatus.HELD])
def test_a_draft_or_reviewed_held_release_is_published(status: ReleaseStatus) -> None:
    published = lifecycle.publish(_meta(status, "dead_letter_share"), at=NOW, latest=None)
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
        lifecycle.publish(_meta(status), at=NOW, latest=None)


@pytest.mark.parametrize("check", sorted(lifecycle.NEVER_PUBLISHABLE))
def test_no_review_publishes_a_release_that_failed_a_privacy_or_impossibility_check(
    check: str,
) -> None:
    with pytest.raises(ReleaseConflict, match=f"failed {check}; it can never be published"):
        lifecycle.publish(_meta(ReleaseStatus.HELD, check), at=NOW, latest=None)


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


LATEST = _meta(ReleaseStatus.PUBLISHED, release_id=1, as_of="2021-06-30")


def test_a_release_whose_data_end_before_the_latest_is_refused_without_a_reason() -> None:
    older = _meta(ReleaseStatus.DRAFT, release_id=2, as_of="2021-03-28")
    for reason in (None, "", "   "):
        with pytest.raises(ReleaseConflict, match="before those of release 1 \\(to 2021-06-30\\)"):
            lifecycle.publish(older, at=NOW, latest=LATEST, rollback_reason=reason, by="ops")


def test_publishing_older_data_on_purpose_records_which_release_it_went_behind_why_and_who() -> (
    None
):
    older = _meta(ReleaseStatus.DRAFT, release_id=2, as_of="2021-03-28")
    published = lifecycle.publish(
        older, at=NOW, latest=LATEST, rollback_reason=" March restated ", by="Jo, command line"
    )
    assert published.status is ReleaseStatus.PUBLISHED
    assert published.rollback == Rollback(1, "2021-06-30", "March restated", "Jo, command line")
    assert ReleaseMeta.from_json(published.to_json()) == published


@pytest.mark.parametrize("as_of", ["2021-06-30", "2021-07-01"])
def test_data_ending_on_or_after_the_latests_needs_no_reason(as_of: str) -> None:
    newer = _meta(ReleaseStatus.DRAFT, release_id=2, as_of=as_of)
    published = lifecycle.publish(newer, at=NOW, latest=LATEST)
    assert published.status is ReleaseStatus.PUBLISHED and published.rollback is None


def test_a_release_not_publishable_anyway_says_so_rather_than_ask_for_a_reason() -> None:
    failed = _meta(ReleaseStatus.HELD, "disclosure_audit", release_id=2, as_of="2021-03-28")
    with pytest.raises(ReleaseConflict, match="can never be published"):
        lifecycle.publish(failed, at=NOW, latest=LATEST, rollback_reason="on purpose", by="ops")
