"""The index module: the reference's worked examples, predicate boundaries, rounding,
the 59/2020 framework, incomplete answers and the multi-entry rules."""

import dataclasses
from decimal import Decimal

import pytest
from django.core.management import call_command

from evaluations.models import Framework
from evaluations.scoring import (
    FrameworkSpec,
    IndicatorSpec,
    compute_index,
    predicate_for,
    round_half_up,
    spec_for,
)

D = Decimal

BANDS = (
    ("Memuaskan", D("4.20")),
    ("Sangat Baik", D("3.50")),
    ("Baik", D("2.60")),
    ("Cukup", D("1.80")),
    ("Kurang", D("0.00")),
)

# The reference's published 2018 city result: validated levels per aspect, in
# indicator order; A7's last three values are indicator 35's three public services.
CITY_2018 = {
    "A1": [1, 1, 1, 3, 2, 3, 3],
    "A2": [2, 1, 1, 1, 3, 3, 3, 1, 3, 3],
    "A3": [1, 3],
    "A4": [2, 3],
    "A5": [3, 2, 2],
    "A6": [3, 1, 4, 4, 4, 3, 4],
    "A7": [3, 2, 3, 1, 3, 3],
}

# Levels chosen to give the 2019 aspect values 3.00, 3.00, 3.50, 3.00, 2.67, 3.57, 3.67.
CITY_2019 = {
    "A1": [3] * 7,
    "A2": [3] * 10,
    "A3": [4, 3],
    "A4": [3, 3],
    "A5": [3, 3, 2],
    "A6": [4, 4, 4, 4, 3, 3, 3],
    "A7": [4, 4, 3, 4, 4, 3],
}


def levels_from_aspects(spec, per_aspect):
    """Map indicator id -> entry levels from per-aspect value lists; surplus values in
    an aspect go to its last indicator as further entries (indicator 35's services)."""
    levels = {}
    for code, values in per_aspect.items():
        indicators = [i for i in spec.indicators if i.aspect_code == code]
        head = len(indicators) - 1
        for indicator, value in zip(indicators[:head], values[:head], strict=True):
            levels[indicator.id] = [value]
        levels[indicators[-1].id] = values[head:]
    return levels


def uniform_levels(spec, level):
    return {i.id: [level] for i in spec.indicators}


@pytest.fixture
def framework_2020(db):
    call_command("load_framework", verbosity=0)
    return Framework.objects.get(code="permenpanrb-59-2020")


@pytest.fixture
def spec_2018(framework_2018):
    return spec_for(framework_2018)


@pytest.fixture
def spec_2020(framework_2020):
    return spec_for(framework_2020)


def small_spec(rule="separate"):
    """Two domains: D1 (A1: #1 w1, #2 w1), D2 (A2: #3 w2 taking up to three entries)."""
    return FrameworkSpec(
        framework_id=None,
        indicators=(
            IndicatorSpec(id=11, number=1, aspect_code="A1", domain_code="D1", weight=D(1)),
            IndicatorSpec(id=12, number=2, aspect_code="A1", domain_code="D1", weight=D(1)),
            IndicatorSpec(
                id=13, number=3, aspect_code="A2", domain_code="D2", weight=D(2), max_entries=3
            ),
        ),
        aspects={"A1": ("D1", "Aspect one"), "A2": ("D2", "Aspect two")},
        domains={"D1": "Domain one", "D2": "Domain two"},
        bands=BANDS,
        multi_entry_rule=rule,
    )


# --- The worked examples ---------------------------------------------------------------


def test_compute_index_reproduces_published_2018_city_result(spec_2018):
    result = compute_index(spec_2018, levels_from_aspects(spec_2018, CITY_2018))

    assert result.aspects == {
        "A1": D("2.00"),
        "A2": D("2.10"),
        "A3": D("2.00"),
        "A4": D("2.50"),
        "A5": D("2.33"),
        "A6": D("3.29"),
        "A7": D("2.50"),
    }
    assert result.domains == {"D1": D("2.06"), "D2": D("2.29"), "D3": D("3.00")}
    assert result.index == D("2.64")
    assert result.predicate == "Baik"
    assert result.complete is True


def test_compute_index_keeps_a7_weight_20_in_d3_when_indicator_35_has_three_services(
    spec_2018,
):
    result = compute_index(spec_2018, levels_from_aspects(spec_2018, CITY_2018))

    assert spec_2018.aspect_weight("A7") == D(20)
    assert result.raw_domains["D3"] == D(3)  # (35 x 23/7 + 20 x 2.5) / 55
    assert result.raw_index == D("2.64")  # (35 + 64 + 165) / 100, exactly


def test_compute_index_reproduces_2019_example(spec_2018):
    result = compute_index(spec_2018, levels_from_aspects(spec_2018, CITY_2019))

    assert list(result.aspects.values()) == [
        D("3.00"),
        D("3.00"),
        D("3.50"),
        D("3.00"),
        D("2.67"),
        D("3.57"),
        D("3.67"),
    ]
    assert result.domains == {"D1": D("3.00"), "D2": D("3.00"), "D3": D("3.61")}
    assert result.index == D("3.33")
    assert result.predicate == "Baik"


# --- Predicates and rounding -----------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "predicate"),
    [
        ("0.00", "Kurang"),
        ("1.79", "Kurang"),
        ("1.80", "Cukup"),
        ("2.59", "Cukup"),
        ("2.60", "Baik"),
        ("3.49", "Baik"),
        ("3.50", "Sangat Baik"),
        ("4.19", "Sangat Baik"),
        ("4.20", "Memuaskan"),
        ("5.00", "Memuaskan"),
        ("2.595", "Baik"),  # rounds half-up to 2.60 first
        ("2.5949", "Cukup"),
        ("1.795", "Cukup"),
        ("4.195", "Memuaskan"),
        ("3.4951", "Sangat Baik"),
    ],
)
def test_predicate_for_boundaries(index, predicate):
    assert predicate_for(D(index), BANDS) == predicate


def test_predicate_for_accepts_spec_and_unsorted_bands():
    assert predicate_for(D("3.50"), small_spec()) == "Sangat Baik"
    assert predicate_for(D("3.50"), list(reversed(BANDS))) == "Sangat Baik"


def test_predicate_for_below_every_bound_is_lowest_band_and_no_bands_is_empty():
    assert predicate_for(D("0.50"), [("Baik", D("2.60")), ("Cukup", D("1.00"))]) == "Cukup"
    assert predicate_for(D("3.00"), []) == ""


def test_predicate_for_uses_loaded_framework_bands(spec_2018):
    assert spec_2018.bands == BANDS
    assert spec_2018.predicate_for(D("4.20")) == "Memuaskan"


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("2.595", "2.60"),
        ("2.594999", "2.59"),
        ("2.645", "2.65"),
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("3.275", "3.28"),
        ("5", "5.00"),
        (2.675, "2.68"),  # a float is read by its shortest text, not its binary value
    ],
)
def test_round_half_up(value, rounded):
    assert round_half_up(value) == D(rounded)
    assert str(round_half_up(value)) == rounded


def test_compute_index_predicate_comes_from_rounded_index():
    """A1 = 2.595 exactly; the rounded 2.60 is Baik although 2.595 < 2.60."""
    spec = FrameworkSpec(
        framework_id=None,
        indicators=tuple(
            IndicatorSpec(
                id=n, number=n, aspect_code="A1", domain_code="D1", weight=D(w), max_entries=1
            )
            for n, w in [(1, "0.595"), (2, "0.405")]
        ),
        aspects={"A1": ("D1", "A")},
        domains={"D1": "D"},
        bands=BANDS,
    )
    result = compute_index(spec, {1: [3], 2: [2]})

    assert result.raw_index == D("2.595")  # 3 x 0.595 + 2 x 0.405
    assert result.index == D("2.60")
    assert result.predicate == "Baik"


# --- PermenPANRB 59/2020 ---------------------------------------------------------------


def test_compute_index_2020_all_fives_is_memuaskan(spec_2020):
    result = compute_index(spec_2020, uniform_levels(spec_2020, 5))

    assert result.index == D("5.00")
    assert result.predicate == "Memuaskan"
    assert set(result.domains.values()) == {D("5.00")}
    assert len(result.aspects) == 8


def test_compute_index_2020_mixed_case_computed_by_hand(spec_2020):
    """D1 all 3, D2 all 4, D3 all 2, A7 all 5, A8 all 1.

    D4 = (27.5 x 5 + 18 x 1) / 45.5 = 3.4176 -> 3.42;
    index = (13 x 3 + 25 x 4 + 16.5 x 2 + 137.5 + 18) / 100 = 3.275 -> 3.28 (half-up), Baik.
    """
    level_by_aspect = {"A1": 3, "A2": 4, "A3": 4, "A4": 4, "A5": 2, "A6": 2, "A7": 5, "A8": 1}
    levels = {i.id: [level_by_aspect[i.aspect_code]] for i in spec_2020.indicators}

    result = compute_index(spec_2020, levels)

    assert result.domains == {"D1": D("3.00"), "D2": D("4.00"), "D3": D("2.00"), "D4": D("3.42")}
    assert result.raw_index == D("3.275")
    assert result.index == D("3.28")
    assert result.predicate == "Baik"


def test_compute_index_2020_all_ones_is_kurang(spec_2020):
    result = compute_index(spec_2020, uniform_levels(spec_2020, 1))

    assert (result.index, result.predicate) == (D("1.00"), "Kurang")


# --- Incomplete answers, entries and validation ----------------------------------------


def test_compute_index_counts_missing_indicator_as_zero_and_incomplete(spec_2018):
    levels = uniform_levels(spec_2018, 5)
    first = spec_2018.indicators_by_number[1]
    del levels[first.id]

    result = compute_index(spec_2018, levels)

    assert result.complete is False
    assert result.missing == (first.id,)
    assert result.raw_aspects["A1"] == D(30) / D(7)  # six 5s and a 0
    assert result.index == D("4.95")  # (100 x 5 - 1 x 5) / 100
    assert result.predicate == "Memuaskan"


def test_compute_index_counts_none_entry_as_zero_and_incomplete():
    spec = small_spec()

    result = compute_index(spec, {11: [4], 12: [None], 13: [4]})

    assert result.complete is False
    assert result.missing == (12,)
    assert result.aspects == {"A1": D("2.00"), "A2": D("4.00")}
    assert result.index == D("3.00")  # (1 x 4 + 1 x 0 + 2 x 4) / 4


def test_compute_index_with_no_answers_is_zero_and_incomplete():
    result = compute_index(small_spec(), {})

    assert (result.index, result.predicate, result.complete) == (D("0.00"), "Kurang", False)
    assert result.missing == (11, 12, 13)


def test_compute_index_separate_rule_counts_each_entry_as_an_indicator():
    """A2 = (4 + 1 + 1) / 3 = 2; the aspect keeps weight 2 in the index."""
    result = compute_index(small_spec("separate"), {11: [4], 12: [2], 13: [4, 1, 1]})

    assert result.aspects["A2"] == D("2.00")
    assert result.index == D("2.50")  # (4 + 2 + 2 x 2) / 4
    assert result.indicators[13] == D(2)


def test_compute_index_separate_rule_entries_outweigh_within_aspect():
    """One 5 and a three-service indicator at 1: the services count three times."""
    spec = dataclasses.replace(
        small_spec(),
        indicators=(
            IndicatorSpec(id=11, number=1, aspect_code="A1", domain_code="D1", weight=D(1)),
            IndicatorSpec(
                id=12, number=2, aspect_code="A1", domain_code="D1", weight=D(1), max_entries=3
            ),
        ),
        aspects={"A1": ("D1", "Aspect one")},
        domains={"D1": "Domain one"},
    )

    separate = compute_index(spec, {11: [5], 12: [1, 1, 1]})
    mean = compute_index(
        dataclasses.replace(spec, multi_entry_rule="mean"), {11: [5], 12: [1, 1, 1]}
    )

    assert separate.index == D("2.00")  # (5 + 1 + 1 + 1) / 4
    assert mean.index == D("3.00")  # (5 + 1) / 2


def test_compute_index_mean_rule_averages_entries_first(spec_2018):
    spec = dataclasses.replace(spec_2018, multi_entry_rule="mean")

    result = compute_index(spec, levels_from_aspects(spec, CITY_2018))

    # A7 = (5 x 3 + 5 x 2 + 5 x 3 + 5 x 7/3) / 20 = 2.5833
    assert result.aspects["A7"] == D("2.58")
    assert result.domains["D3"] == D("3.03")  # (35 x 23/7 + 20 x 2.5833) / 55 = 3.0303
    assert result.index == D("2.66")  # (35 + 64 + 166.667) / 100 = 2.6567


def test_compute_index_rejects_level_off_scale_and_too_many_entries():
    with pytest.raises(ValueError, match="not 0-5"):
        compute_index(small_spec(), {11: [6]})
    with pytest.raises(ValueError, match="at most 1 entries"):
        compute_index(small_spec(), {11: [3, 3]})
    with pytest.raises(ValueError, match="at most 3 entries"):
        compute_index(small_spec(), {13: [3, 3, 3, 3]})


def test_compute_index_ignores_ids_of_other_frameworks():
    result = compute_index(small_spec(), {11: [5], 12: [5], 13: [5], 999: [0]})

    assert (result.index, result.complete) == (D("5.00"), True)


# --- Structure of the two frameworks ---------------------------------------------------


def test_spec_for_2018_weights_sum_to_100_with_domain_totals(spec_2018):
    assert spec_2018.total_weight == D(100)
    assert spec_2018.domain_weights == {"D1": D(17), "D2": D(28), "D3": D(55)}
    assert spec_2018.aspect_weights == {
        "A1": D(7),
        "A2": D(10),
        "A3": D(8),
        "A4": D(8),
        "A5": D(12),
        "A6": D(35),
        "A7": D(20),
    }


def test_spec_for_2020_weights_sum_to_100_with_domain_totals(spec_2020):
    assert spec_2020.total_weight == D(100)
    assert spec_2020.domain_weights == {
        "D1": D(13),
        "D2": D(25),
        "D3": D("16.5"),
        "D4": D("45.5"),
    }


def test_spec_for_counts_indicators_aspects_domains(spec_2018, spec_2020):
    assert (len(spec_2018.indicators), len(spec_2018.aspects), len(spec_2018.domains)) == (
        35,
        7,
        3,
    )
    assert (len(spec_2020.indicators), len(spec_2020.aspects), len(spec_2020.domains)) == (
        47,
        8,
        4,
    )
    assert spec_2018.aspect_order == ("A1", "A2", "A3", "A4", "A5", "A6", "A7")
    assert spec_2020.domain_order == ("D1", "D2", "D3", "D4")
    assert [i.number for i in spec_2018.indicators] == list(range(1, 36))


def test_spec_for_carries_framework_rules(spec_2018, spec_2020, framework_2018):
    assert spec_2018.framework_id == framework_2018.pk
    assert spec_2018.indicators_by_number[35].max_entries == 3
    assert {i.max_entries for i in spec_2020.indicators} == {1}
    assert (spec_2018.min_self_level, spec_2020.min_self_level) == (0, 1)
    assert spec_2018.multi_entry_rule == "separate"
    assert spec_2018.allow_zero_validated is False
    assert spec_2018.aspects["A7"] == ("D3", "Layanan Publik Berbasis Elektronik")


def test_spec_for_runs_three_queries(framework_2018, django_assert_num_queries):
    with django_assert_num_queries(3):
        spec = spec_for(framework_2018)

    with django_assert_num_queries(0):
        compute_index(spec, uniform_levels(spec, 3))
