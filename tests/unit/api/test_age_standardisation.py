"""Age-standardised uptake compares ethnic groups without rewarding or blaming their age mix."""

from __future__ import annotations

from services.api.age_standardisation import standardised_uptake
from services.reference import cohorts
from services.reference.age_ranges import ADULTS, AgeRange, band
from services.reference.denominators import EVERYONE, Cohort, Population, Source, load_denominators
from services.reference.standard_population import ESP_2013, esp_weight
from tests.unit.api.uptake_examples import HAMMERSMITH, counts, table

MIXED = "Mixed or Multiple ethnic groups"
WHITE = "White"
HF = (HAMMERSMITH,)
ROWS = [(label, AgeRange(lo, hi)) for label, lo, hi in cohorts.CROSS_AGE_BANDS]


def _population(cohort: Cohort, ages: AgeRange) -> int:
    found = load_denominators().population(HF, cohort, ages, Source.CENSUS)
    assert isinstance(found, Population)
    return found.value


def _rate(ages: AgeRange) -> float:
    """The same age-specific uptake for every group: rising with age."""
    return 0.0 if ages.hi == 15 else min(0.95, 0.3 + ages.lo / 100)


def _published():  # type: ignore[no-untyped-def]
    """Cross cells and age bands as if every group had the same age-specific uptake."""
    cross = {}
    for group in (MIXED, WHITE):
        for label, ages in ROWS:
            count = round(_rate(ages) * _population(Cohort("ethnic_group", group), ages))
            cross[f"{label}|{group}"] = [0, count]
    # Each row's count of everyone, all of it in the row's first age band (only sums are read).
    age_bands = {label: [0, 0] for label in cohorts.AGE_BANDS}
    for _, ages in ROWS:
        first = next(b for b in cohorts.AGE_BANDS if band(b).lo == ages.lo)
        age_bands[first] = [0, round(_rate(ages) * _population(EVERYONE, ages))]
    return counts(table("age_band_ethnic_group", cross), table("age_band", age_bands))


def test_a_young_group_with_the_same_age_specific_uptake_standardises_to_the_area() -> None:
    published = _published()
    options = {"ltla_codes": HF, "ages": ADULTS, "standard": "area", "date_index": 1}
    mixed = standardised_uptake(published, load_denominators(), group=MIXED, **options)  # type: ignore[arg-type]
    white = standardised_uptake(published, load_denominators(), group=WHITE, **options)  # type: ignore[arg-type]
    area = standardised_uptake(published, load_denominators(), group=None, **options)  # type: ignore[arg-type]
    assert mixed.percent is not None and white.percent is not None and area.percent is not None
    assert abs(mixed.percent - area.percent) <= 0.2
    assert abs(white.percent - area.percent) <= 0.2
    # Their crude uptakes differ: the Mixed group is younger.
    crude = {}
    for group in (MIXED, WHITE):
        n = sum(
            round(_rate(ages) * _population(Cohort("ethnic_group", group), ages))
            for _, ages in ROWS
            if ADULTS.contains(ages)
        )
        crude[group] = 100 * n / _population(Cohort("ethnic_group", group), ADULTS)
    assert crude[WHITE] - crude[MIXED] > 3


def test_a_suppressed_band_withholds_the_standardised_figure() -> None:
    published = counts(
        table(
            "age_band_ethnic_group",
            {f"{label}|{MIXED}": [0, None if label == "65+" else 50] for label, _ in ROWS},
        )
    )
    found = standardised_uptake(
        published,
        load_denominators(),
        group=MIXED,
        ltla_codes=HF,
        ages=ADULTS,
        standard="esp2013",
        date_index=1,
    )
    assert found.percent is None and found.reason == "part_suppressed"


def test_the_european_standard_population_splits_15_19_at_16() -> None:
    assert sum(ESP_2013.values()) == 100_000
    assert esp_weight(AgeRange(0, None)) == 100_000
    assert esp_weight(AgeRange(16, 24)) == 5500 * 4 / 5 + 6000
    assert esp_weight(AgeRange(65, None)) == 5500 + 5000 + 4000 + 2500 + 1500 + 1000
    assert esp_weight(ADULTS) == 100_000 - 5000 - 5500 - 5500 - 5500 / 5


def test_a_group_with_no_population_says_so() -> None:
    found = standardised_uptake(
        _published(),
        load_denominators(),
        group=cohorts.NOT_STATED,
        ltla_codes=HF,
        ages=ADULTS,
        standard="area",
        date_index=1,
    )
    assert found.percent is None and found.reason == "not_counted"


def test_one_suppressed_band_is_made_up_from_the_groups_count() -> None:
    cells = {f"{label}|{MIXED}": [0, None if label == "65+" else 50] for label, _ in ROWS}
    whole = table("ethnic_group", {MIXED: [0, 50 * (len(ROWS) - 1) + 30]})
    published = counts(table("age_band_ethnic_group", cells), whole)
    found = standardised_uptake(
        published,
        load_denominators(),
        group=MIXED,
        ltla_codes=HF,
        ages=AgeRange(65, None),
        standard="esp2013",
        date_index=1,
    )
    over_65 = _population(Cohort("ethnic_group", MIXED), AgeRange(65, None))
    assert found.reason is None and found.percent == round(100 * 30 / over_65, 1)
