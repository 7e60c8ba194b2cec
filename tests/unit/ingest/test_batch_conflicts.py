"""Within one batch, a second copy of an event id that would count differently is refused."""

from __future__ import annotations

from datetime import timedelta

from services.contract.json_codec import event_to_json
from services.contract.pseudonym import Pseudonymiser
from services.contract.reasons import Reason
from services.ingest.admission import Accepted, Admission, Rejected
from services.ingest.batch_conflicts import admit_batch
from services.ingest.batch_parsing import ParsedItem
from tests.unit.contract.contract_examples import AREAS, PSEUDONYM_KEY, TODAY, sample_event

ADMISSION = Admission(
    publisher="EMIS Web", pseudonymiser=Pseudonymiser(PSEUDONYM_KEY), areas=AREAS, today=TODAY
)
NHS_NUMBER = "9434765919"


def _item(**changes: object) -> ParsedItem:
    obj = event_to_json(sample_event(event_id="emis-7")) | {"person_key": None}
    return ParsedItem(obj | {"nhs_number": NHS_NUMBER} | changes)


def test_three_copies_the_third_with_another_dose_refuses_only_the_third() -> None:
    outcomes = admit_batch(ADMISSION, [_item(), _item(), _item(dose_number=2)])
    assert [type(o) for o in outcomes] == [Accepted, Accepted, Rejected]
    refused = outcomes[2]
    assert isinstance(refused, Rejected)
    assert refused.error.reason is Reason.CONFLICTING_DUPLICATE
    assert refused.error.field == "dose_number"
    assert "dose_number" in refused.error.message and "CORRECTED" in refused.error.message
    assert refused.event_id == "emis-7"


def test_copies_differing_only_in_what_is_not_counted_are_duplicates() -> None:
    first = sample_event(event_id="emis-7")
    later = (first.recorded_at + timedelta(hours=2)).isoformat()
    outcomes = admit_batch(
        ADMISSION,
        [
            _item(),
            _item(recorded_at=later, vaccine_name="Vaxzevria", site_type="PHARMACY"),
            ParsedItem(event_to_json(first)),  # pseudonymised elsewhere: another person key
        ],
    )
    assert all(isinstance(o, Accepted) for o in outcomes)


def test_an_invalid_first_copy_does_not_make_the_valid_second_a_conflict() -> None:
    outcomes = admit_batch(ADMISSION, [_item(ltla_code="E09999999"), _item()])
    assert [type(o) for o in outcomes] == [Rejected, Accepted]
