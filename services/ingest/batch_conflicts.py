"""Admit a batch as a whole: a later copy of an event id that would count differently is refused.

An event id counts once. Within one batch the ingest can tell at once when a copy of an id
says something else than the first copy (another area, dose, age, ...): that copy is refused
as `conflicting_duplicate` and dead-lettered, and the first is accepted. An equal copy is
accepted (the aggregator counts it once). A copy of an id accepted in an earlier batch is
the aggregator's to compare: it keeps what each event id counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.contract.counted_content import refuse_conflicting_copy
from services.contract.errors import ContractError
from services.contract.events import VaccinationEvent
from services.ingest.admission import Accepted, Admission, Rejected
from services.ingest.batch_parsing import ParsedItem


def admit_batch(admission: Admission, items: Sequence[ParsedItem]) -> list[Accepted | Rejected]:
    """Each item admitted, and every later copy of an id with other content refused."""
    first: dict[str, VaccinationEvent] = {}
    outcomes: list[Accepted | Rejected] = []
    for item in items:
        outcome = admission.admit(item)
        if isinstance(outcome, Accepted):
            event = outcome.event
            seen = first.setdefault(event.event_id, event)
            if seen is not event:  # a second copy of the id: compare it with the first
                try:
                    refuse_conflicting_copy(seen, event)
                except ContractError as error:
                    outcome = admission.refuse(item, error)
        outcomes.append(outcome)
    return outcomes
