"""The simulated feed is deterministic, realistic, and its expected counts are exact."""

from __future__ import annotations

import io
import statistics
from collections import Counter, defaultdict
from datetime import date

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from devtools.simulator.expected_counts import ExpectedCounts
from devtools.simulator.output import write_jsonl
from devtools.simulator.simulator import (
    DEFAULT_PSEUDONYM_KEY,
    SimulatedRecord,
    SimulationConfig,
    Simulator,
    Trait,
    TraitRates,
)
from services.contract.errors import InvalidEvent
from services.contract.events import EventKind, VaccinationEvent
from services.contract.json_codec import event_from_json, event_to_json
from services.contract.pseudonym import Pseudonymiser, is_valid_nhs_number
from services.contract.reasons import Reason
from services.contract.validation import validate
from services.reference import breakdown_populations as rules
from services.reference.age_ranges import ADULTS, ALL_AGES
from services.reference.areas import load_areas
from services.reference.breakdown_populations import residents
from services.reference.breakdowns import BREAKDOWNS
from services.reference.denominators import EVERYONE, Population, Source, load_denominators

TODAY = date(2025, 1, 1)
BRENT, HARROW = "E09000005", "E09000015"
NOISY = TraitRates(
    duplicate=0.05,
    correction=0.04,
    retraction=0.04,
    early_retraction_share=0.5,
    late=0.05,
    invalid={reason: 0.004 for reason in Reason if reason in TraitRates().invalid},
)


@pytest.fixture(scope="module")
def feed() -> Simulator:
    """Two boroughs, noisy, running into the booster season."""
    config = SimulationConfig(
        areas=(BRENT, HARROW), scale=0.02, end=date(2021, 12, 31), seed=7, rates=NOISY
    )
    return Simulator(config)


@pytest.fixture(scope="module")
def realistic() -> Simulator:
    """All eight North West London boroughs with the default rates."""
    return Simulator(SimulationConfig(scale=0.03, seed=11))


def recount(records: tuple[SimulatedRecord, ...]) -> ExpectedCounts:
    """Replay the stream as the aggregator must: ids once, corrections replace, retractions remove.

    Deliberately independent of ExpectedCounts' ground truth: it only reads the emitted records.
    """
    seen: set[str] = set()
    counted: dict[str, VaccinationEvent] = {}
    retracted_early: set[str] = set()
    for record in records:
        event = record.event
        if not record.valid or event.event_id in seen:
            continue
        seen.add(event.event_id)
        if event.kind is EventKind.ENTERED_IN_ERROR:
            assert event.supersedes_event_id is not None
            if counted.pop(event.supersedes_event_id, None) is None:
                retracted_early.add(event.supersedes_event_id)
            continue
        if event.kind is EventKind.CORRECTED:
            assert event.supersedes_event_id is not None
            counted.pop(event.supersedes_event_id, None)
        if event.event_id not in retracted_early:
            counted[event.event_id] = event
    return ExpectedCounts.from_events(counted.values())


def test_same_seed_same_feed_other_seed_other_feed() -> None:
    config = SimulationConfig(areas=(HARROW,), scale=0.005, seed=3)
    outputs = []
    for seed in (3, 3, 4):
        out = io.BytesIO()
        write_jsonl(Simulator(SimulationConfig(**{**config.__dict__, "seed": seed})).records(), out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]


def test_expected_counts_equal_an_independent_replay_of_the_stream(feed: Simulator) -> None:
    expected = feed.expected_counts()
    assert expected.total() > 1000
    assert recount(feed.records()).counts == expected.counts


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    duplicate=st.floats(0, 0.3),
    correction=st.floats(0, 0.2),
    retraction=st.floats(0, 0.2),
    early=st.floats(0, 1),
)
def test_expected_counts_match_a_replay_whatever_the_traits(
    seed: int, duplicate: float, correction: float, retraction: float, early: float
) -> None:
    rates = TraitRates(
        duplicate=duplicate,
        correction=correction,
        retraction=retraction,
        early_retraction_share=early,
        invalid={Reason.UNKNOWN_AREA: 0.05, Reason.MISSING_SUPERSEDES: 0.05},
    )
    sim = Simulator(SimulationConfig(areas=(HARROW,), scale=0.002, seed=seed, rates=rates))
    assert recount(sim.records()).counts == sim.expected_counts().counts


def test_every_trait_is_in_the_feed(feed: Simulator) -> None:
    traits = Counter(record.trait for record in feed.records())
    assert set(traits) == set(Trait)
    assert traits[Trait.CORRECTION] == traits[Trait.WRONG]
    assert traits[Trait.RETRACTION] >= traits[Trait.MISTAKEN] > 0


def test_some_retractions_arrive_before_the_entry_they_retract(feed: Simulator) -> None:
    position = {}
    early = 0
    for i, record in enumerate(feed.records()):
        event = record.event
        position.setdefault(event.event_id, i)
        if record.trait is Trait.RETRACTION and event.supersedes_event_id not in position:
            early += 1
    assert early > 0


def test_stream_is_in_recorded_order_apart_from_late_deliveries(feed: Simulator) -> None:
    # Resubmissions, invalid records and delayed entries are delivered whenever they are.
    delivered_late = (Trait.DUPLICATE, Trait.INVALID, Trait.MISTAKEN)
    records = [r for r in feed.records() if r.trait not in delivered_late]
    times = [r.event.recorded_at for r in records]
    assert times == sorted(times)
    late = [r for r in records if r.trait is Trait.LATE]
    assert late and all(
        (r.event.recorded_at.date() - r.event.vaccination_date).days >= 2 for r in late
    )


def test_valid_records_pass_validation_and_invalid_ones_fail_with_their_reason(
    feed: Simulator,
) -> None:
    areas = load_areas()
    pseudonymiser = Pseudonymiser(DEFAULT_PSEUDONYM_KEY)
    for record in feed.records():
        obj = orjson.loads(orjson.dumps(event_to_json(record.event)))
        del obj["person_key"]
        obj["nhs_number"] = record.nhs_number
        if record.valid:
            event = event_from_json(obj, pseudonymiser=pseudonymiser)
            assert event == record.event
            assert validate(event, areas=areas, today=TODAY) == event
            continue
        if record.reason is Reason.INVALID_NHS_NUMBER:
            assert not is_valid_nhs_number(record.nhs_number)
            continue
        with pytest.raises(InvalidEvent) as caught:
            validate(event_from_json(obj, pseudonymiser=pseudonymiser), areas=areas, today=TODAY)
        assert caught.value.reason == record.reason


def test_every_configured_invalid_reason_appears_at_about_its_rate(feed: Simulator) -> None:
    records = feed.records()
    administrations = sum(r.trait in (Trait.ORIGINAL, Trait.LATE, Trait.WRONG) for r in records)
    reasons = Counter(r.reason for r in records if not r.valid)
    configured = {r for r in NOISY.invalid if r is not Reason.INVALID_PERSON_KEY}
    assert set(reasons) == configured
    expected = administrations * 0.004
    for reason in configured:
        # Binomial: 4 standard deviations either side.
        assert abs(reasons[reason] - expected) < 4 * expected**0.5 + 2, reason


def test_person_keys_are_the_pseudonyms_of_valid_nhs_numbers(feed: Simulator) -> None:
    pseudonymiser = Pseudonymiser(DEFAULT_PSEUDONYM_KEY)
    people: dict[str, str] = {}
    for record in feed.records()[:3000]:
        if record.reason is Reason.INVALID_NHS_NUMBER:
            continue
        assert is_valid_nhs_number(record.nhs_number)
        assert record.event.person_key == pseudonymiser.person_key(record.nhs_number)
        assert (
            people.setdefault(record.nhs_number, record.event.person_key) == record.event.person_key
        )


def test_second_doses_follow_eight_to_twelve_weeks_after_the_first(feed: Simulator) -> None:
    doses: dict[str, dict[int, date]] = defaultdict(dict)
    for event in feed.truth():
        doses[event.person_key][event.dose_number] = event.vaccination_date
    gaps = [(d[2] - d[1]).days for d in doses.values() if 1 in d and 2 in d]
    assert len(gaps) > 500
    assert min(gaps) >= 56 and max(gaps) <= 84
    boosters = [d[3] for d in doses.values() if 3 in d]
    assert boosters and min(boosters) >= date(2021, 9, 16)


def _first_doses(sim: Simulator, breakdown: str) -> dict[str, list[VaccinationEvent]]:
    groups: dict[str, list[VaccinationEvent]] = defaultdict(list)
    for event in sim.truth():
        if event.dose_number == 1:
            groups[BREAKDOWNS[breakdown].group_of(event)].append(event)
    return groups


def _uptake(sim: Simulator, breakdown: str, group: str) -> float:
    areas = sim.config.areas
    population = residents(load_denominators(), breakdown, group, areas)
    assert population
    return len(_first_doses(sim, breakdown)[group]) / (population * sim.config.scale)


def test_older_cohorts_are_vaccinated_earlier_and_more(realistic: Simulator) -> None:
    firsts = _first_doses(realistic, "jcvi_age_band")
    median_day = {
        band: statistics.median(e.vaccination_date.toordinal() for e in events)
        for band, events in firsts.items()
    }
    order = ["80+", "75-79", "70-74", "65-69", "60-64", "55-59", "50-54", "40-49", "30-39", "18-24"]
    assert [median_day[b] for b in order] == sorted(median_day[b] for b in order)
    assert _uptake(realistic, "jcvi_age_band", "80+") > 0.7
    assert _uptake(realistic, "jcvi_age_band", "80+") > _uptake(realistic, "jcvi_age_band", "50-54")
    assert _uptake(realistic, "jcvi_age_band", "50-54") > _uptake(
        realistic, "jcvi_age_band", "30-39"
    )
    assert "0-15" not in firsts  # 12-15s were offered vaccination from September 2021


def test_black_african_and_caribbean_residents_have_lower_uptake(realistic: Simulator) -> None:
    detailed = "ethnic_group_detailed"
    white = _uptake(
        realistic, detailed, "White: English, Welsh, Scottish, Northern Irish or British"
    )
    for group in ("African", "Caribbean"):
        black = _uptake(
            realistic, detailed, f"Black, Black British, Black Welsh, Caribbean or African: {group}"
        )
        assert black < 0.8 * white, group


def test_the_most_deprived_deciles_have_lower_uptake_than_the_least(realistic: Simulator) -> None:
    most = statistics.mean(_uptake(realistic, "imd_decile", d) for d in ("1", "2"))
    least = statistics.mean(_uptake(realistic, "imd_decile", d) for d in ("9", "10"))
    assert most < 0.9 * least


def _first_and_second_by(sim: Simulator, day: date) -> tuple[int, int]:
    """People aged 16+ with a first and with a second dose by the end of ``day``."""
    doses: Counter[int] = Counter()
    for (_, when, dose, breakdown, group), n in sim.expected_counts().counts.items():
        if breakdown == "age_band" and group != "0-15" and when <= day:
            doses[dose] += n
    return doses[1], doses[2]


def test_north_west_london_looks_like_the_end_of_may_2021(realistic: Simulator) -> None:
    adults = load_denominators().population(realistic.config.areas, EVERYONE, ADULTS, Source.ONS)
    assert isinstance(adults, Population)
    first, second = _first_and_second_by(realistic, date(2021, 5, 31))
    scaled = adults.value * realistic.config.scale
    assert 0.54 < first / scaled < 0.62
    assert 0.28 < second / scaled < 0.35


def test_no_cohort_is_vaccinated_beyond_its_population_whatever_the_source(
    realistic: Simulator,
) -> None:
    vaccinated: Counter[tuple[str, str, str]] = Counter()
    for (ltla, _, dose, breakdown, group), n in realistic.expected_counts().counts.items():
        if dose == 1:
            vaccinated[(ltla, breakdown, group)] += n
    denominators = load_denominators()
    checked = 0
    for (ltla, breakdown, group), n in vaccinated.items():
        for source in rules.RULES[breakdown].sources:
            found = rules.population(denominators, breakdown, group, (ltla,), ALL_AGES, source)
            if isinstance(found, Population) and found.value * realistic.config.scale >= 20:
                assert n <= found.value * realistic.config.scale, (ltla, breakdown, group, source)
                checked += 1
    assert checked > 1000


def test_breakdowns_of_the_expected_counts_partition_the_total(feed: Simulator) -> None:
    expected = feed.expected_counts()
    totals: Counter[str] = Counter()
    for (_, _, _, breakdown, _), n in expected.counts.items():
        totals[breakdown] += n
    assert set(totals.values()) == {expected.total()}
    assert expected.total() == len(feed.truth())


def test_direct_kafka_feed_carries_person_keys_and_their_own_faults() -> None:
    rates = TraitRates(invalid={Reason.INVALID_NHS_NUMBER: 0.05, Reason.INVALID_PERSON_KEY: 0.05})
    config = SimulationConfig(areas=(HARROW,), scale=0.002, rates=rates, with_nhs_numbers=False)
    invalid = [r for r in Simulator(config).records() if not r.valid]
    assert invalid and {r.reason for r in invalid} == {Reason.INVALID_PERSON_KEY}
    for record in invalid:
        with pytest.raises(InvalidEvent) as caught:
            validate(record.event, areas=load_areas(), today=TODAY)
        assert caught.value.reason is Reason.INVALID_PERSON_KEY


@settings(max_examples=5, deadline=None)
@given(key=st.binary(min_size=16, max_size=200))
@example(key=bytes(range(100)))  # longer than SHA-256's block: HMAC hashes such keys first
def test_person_keys_are_the_pseudonyms_under_any_key(key: bytes) -> None:
    config = SimulationConfig(areas=(HARROW,), scale=0.001, pseudonym_key=key)
    pseudonymiser = Pseudonymiser(key)
    records = [r for r in Simulator(config).records() if r.reason is not Reason.INVALID_NHS_NUMBER]
    assert records
    for record in records:
        assert record.event.person_key == pseudonymiser.person_key(record.nhs_number)
