"""Agreement statistics: a published worked example, a table worked by hand, two
well-kept libraries as oracles on random data, the undefined cases, and the bootstrap
interval (reproducible from its seed, and wider on a smaller sample)."""

import random

import pytest

from evaluations.agreement import (
    SMALL_SAMPLE,
    contingency,
    exact_agreement,
    krippendorff_alpha,
    mean_absolute_difference,
    ordinal_alpha,
    pair_agreement,
    quadratic_weighted_kappa,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
# observers, twelve units, values 1-5, missing values. Published: ordinal alpha = 0.815.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _units(by_observer):
    return [list(unit) for unit in zip(*by_observer, strict=True)]


def _random_pairs(seed, n):
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        first = rng.randint(0, 5)
        second = min(5, max(0, first + rng.choice([-2, -1, 0, 0, 0, 1, 1])))
        pairs.append((first, second))
    return pairs


def test_krippendorff_published_example_ordinal():
    alpha = krippendorff_alpha(_units(KRIPPENDORFF_2011), levels=range(1, 6))
    assert round(alpha, 3) == 0.815


def test_unit_coded_once_is_not_pairable():
    # Unit 12 has one value: dropping it entirely changes nothing.
    units = _units(KRIPPENDORFF_2011)
    assert krippendorff_alpha(units[:11], levels=range(1, 6)) == pytest.approx(
        krippendorff_alpha(units, levels=range(1, 6))
    )


def test_hand_worked_table():
    # Levels 0-2, pairs (0,0) (0,1) (1,1) (2,2).
    # Kappa: observed weighted disagreement 1; expected from marginals rows (2,1,1) and
    # columns (1,2,1): (1*4 + 4*2 + 1*1 + 1*1 + 4*1 + 1*2) / 4 = 5; kappa = 1 - 1/5.
    # Alpha: coincidences n = (3, 3, 2); ordinal deltas 9, 30.25, 6.25; observed 1*9,
    # expected 9*9 + 6*30.25 + 6*6.25 = 300; alpha = 1 - 7 * 9 / 300 = 0.79.
    table = contingency([(0, 0), (0, 1), (1, 1), (2, 2)], levels=(0, 1, 2))
    assert exact_agreement(table) == 0.75
    assert mean_absolute_difference(table, (0, 1, 2)) == 0.25
    assert quadratic_weighted_kappa(table, (0, 1, 2)) == pytest.approx(0.8)
    assert ordinal_alpha(table) == pytest.approx(0.79)


def test_pairs_alpha_equals_general_alpha():
    pairs = _random_pairs(3, 150)
    assert ordinal_alpha(contingency(pairs)) == pytest.approx(krippendorff_alpha(pairs))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_against_scikit_learn_and_krippendorff(seed):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    krippendorff = pytest.importorskip("krippendorff")
    pairs = _random_pairs(seed, 300)
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    table = contingency(pairs)
    assert quadratic_weighted_kappa(table) == pytest.approx(
        sklearn_metrics.cohen_kappa_score(first, second, weights="quadratic")
    )
    assert ordinal_alpha(table) == pytest.approx(
        krippendorff.alpha(reliability_data=[first, second], level_of_measurement="ordinal")
    )


def test_published_example_against_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")
    numeric = [[float("nan") if v is None else v for v in row] for row in KRIPPENDORFF_2011]
    assert krippendorff_alpha(_units(KRIPPENDORFF_2011), levels=range(1, 6)) == pytest.approx(
        krippendorff.alpha(reliability_data=numeric, level_of_measurement="ordinal")
    )


def test_perfect_agreement_and_no_variation():
    perfect = pair_agreement([(1, 1), (3, 3), (5, 5)], resamples=200)
    assert perfect.exact.value == 1.0
    assert perfect.mean_abs_diff.value == 0.0
    assert perfect.kappa.value == pytest.approx(1.0)
    assert perfect.alpha.value == pytest.approx(1.0)
    # Everyone on one level: nothing to correct for chance against, so no kappa/alpha.
    flat = pair_agreement([(2, 2)] * 10, resamples=200)
    assert flat.exact.value == 1.0
    assert flat.kappa.value is None and flat.kappa.low is None
    assert flat.alpha.value is None


def test_empty_sample():
    empty = pair_agreement([])
    assert empty.n == 0
    assert empty.exact.value is None and empty.kappa.value is None
    assert empty.small_sample


def test_interval_reproducible_from_seed_and_covers_value():
    pairs = _random_pairs(7, 200)
    first = pair_agreement(pairs, seed=11, resamples=300)
    again = pair_agreement(pairs, seed=11, resamples=300)
    other = pair_agreement(pairs, seed=12, resamples=300)
    assert first == again
    assert first.kappa != other.kappa  # the seed matters: the interval is drawn
    assert first.n == 200 and not first.small_sample
    for estimate in (first.exact, first.mean_abs_diff, first.kappa, first.alpha):
        assert estimate.low < estimate.value < estimate.high


def test_interval_narrows_with_sample_size():
    small = pair_agreement(_random_pairs(5, SMALL_SAMPLE - 1), resamples=300)
    large = pair_agreement(_random_pairs(5, 2000), resamples=300)
    assert small.small_sample and not large.small_sample
    assert (small.kappa.high - small.kappa.low) > 2 * (large.kappa.high - large.kappa.low)


@pytest.mark.parametrize("seed", range(6))
def test_bootstrap_fast_path_equals_the_figures(seed):
    from evaluations.agreement import LEVELS, _sparse_statistics, _statistics

    table = contingency(_random_pairs(seed, 5 + 40 * seed))
    cells = [(i, j) for i in range(6) for j in range(6) if table[i][j]]
    fast = _sparse_statistics(cells, [table[i][j] for i, j in cells], LEVELS)
    assert fast == pytest.approx(_statistics(table, LEVELS))
    flat = contingency([(3, 3)] * 4)
    assert _sparse_statistics([(3, 3)], [4], LEVELS) == _statistics(flat, LEVELS)
