"""Loss figures folded over doses weigh each dose by the people it counts."""

from __future__ import annotations

from services.disclosure.linked.loss import Loss, share_over_doses


def test_a_small_dose_weighs_by_its_people_not_as_a_breakdown_of_its_own():
    first = Loss("sex", 1, person_dates=99_000, blank_person_dates=90)
    third = Loss("sex", 3, person_dates=1_000, blank_person_dates=900)
    ages = Loss("age_band", 1, person_dates=5_000, blank_person_dates=0)
    shares = share_over_doses([first.as_dict(), third.as_dict(), ages.as_dict()])
    assert shares == {"age_band": 0.0, "sex": 990 / 100_000}
    assert third.blank_share_all_dates == 0.9  # per dose, the third stays as bad as it is
