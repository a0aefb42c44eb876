"""How consistently two assessors apply the same levels: agreement statistics.

Pure module (no database): the calibration pages, the analytics and the benchmark
call `pair_agreement` on a list of (first level, second level) pairs, one pair per
double-scored indicator entry.

Figures, each with the sample size and a confidence interval:

- exact agreement: share of pairs with the same level;
- mean absolute difference in levels;
- Cohen's kappa with quadratic weights, 1 - sum(w * observed) / sum(w * expected),
  w = (i - j)^2 and the expected table from the two assessors' own marginals;
- Krippendorff's alpha with the ordinal metric, from the coincidence matrix
  (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011). `krippendorff_alpha`
  takes any number of coders per unit with missing values; for pairs it is the same
  formula with every unit coded twice.

Every statistic of two assessors over a fixed scale depends only on the contingency
table of pairs, so the bootstrap draws tables, not lists: a resample of n pairs with
replacement is a multinomial draw of n over the table's cells. The interval is the
percentile interval of `resamples` draws from `random.Random(seed)`: the same data and
seed always give the same interval, which the calibration pages rely on.

Chance-corrected figures are undefined when there is no variation to correct for
(every pair on one level): they are then None and shown as "-", never as 0 or 1.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from evaluations.scoring import MAX_LEVEL, MIN_LEVEL

LEVELS = tuple(range(MIN_LEVEL, MAX_LEVEL + 1))
DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20240
DEFAULT_CONFIDENCE = 0.95
# Below this many pairs the pages warn that the figures are unstable.
SMALL_SAMPLE = 30

Table = list[list[int]]


@dataclass(frozen=True)
class Estimate:
    """A figure with its confidence interval (any of them None when undefined)."""

    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Agreement:
    n: int
    exact: Estimate
    mean_abs_diff: Estimate
    kappa: Estimate
    alpha: Estimate
    confidence: float

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The four figures in the order the tables show them."""
        return (self.exact, self.mean_abs_diff, self.kappa, self.alpha)


def contingency(pairs: Iterable[tuple[int, int]], levels: Sequence[int] = LEVELS) -> Table:
    """Counts of (first, second) level pairs as a square table over `levels`."""
    index = {level: i for i, level in enumerate(levels)}
    table = [[0] * len(levels) for _ in levels]
    for first, second in pairs:
        table[index[first]][index[second]] += 1
    return table


def _total(table: Table) -> int:
    return sum(map(sum, table))


def exact_agreement(table: Table) -> float | None:
    n = _total(table)
    return sum(table[i][i] for i in range(len(table))) / n if n else None


def mean_absolute_difference(table: Table, levels: Sequence[int] = LEVELS) -> float | None:
    n = _total(table)
    if not n:
        return None
    k = len(table)
    return sum(abs(levels[i] - levels[j]) * table[i][j] for i in range(k) for j in range(k)) / n


def quadratic_weighted_kappa(table: Table, levels: Sequence[int] = LEVELS) -> float | None:
    n = _total(table)
    if not n:
        return None
    k = len(table)
    rows = [sum(table[i]) for i in range(k)]
    cols = [sum(table[i][j] for i in range(k)) for j in range(k)]
    observed = expected = 0.0
    for i in range(k):
        for j in range(k):
            weight = (levels[i] - levels[j]) ** 2
            observed += weight * table[i][j]
            expected += weight * rows[i] * cols[j] / n
    if expected == 0:
        return None
    return 1 - observed / expected


def _ordinal_alpha_from_coincidences(coincidence: Table) -> float | None:
    """Alpha from a coincidence matrix with the ordinal metric.

    delta(c, k) = (sum of n_g for g from c to k - (n_c + n_k) / 2)^2, with n_g the
    marginal of category g: the distance between two levels grows with how many
    values lie between them, not with their numeric difference.
    """
    k = len(coincidence)
    marginals = [sum(row) for row in coincidence]
    n = sum(marginals)
    if n <= 1:
        return None
    cumulative = [0, *accumulate(marginals)]

    def delta(c: int, d: int) -> float:
        low, high = min(c, d), max(c, d)
        span = cumulative[high + 1] - cumulative[low]
        return (span - (marginals[c] + marginals[d]) / 2) ** 2

    observed = expected = 0.0
    for c in range(k):
        for d in range(c + 1, k):
            dist = delta(c, d)
            observed += coincidence[c][d] * dist
            expected += marginals[c] * marginals[d] * dist
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def ordinal_alpha(table: Table) -> float | None:
    """Krippendorff's alpha (ordinal) of two coders who both coded every unit."""
    k = len(table)
    # Each unit holds two values, so it adds 1 / (2 - 1) to both ordered cells.
    coincidence = [[table[c][d] + table[d][c] for d in range(k)] for c in range(k)]
    return _ordinal_alpha_from_coincidences(coincidence)


def krippendorff_alpha(
    units: Iterable[Sequence[int | None]], levels: Sequence[int] = LEVELS
) -> float | None:
    """Krippendorff's alpha (ordinal) for units coded by any number of coders.

    Each unit lists its values, None where a coder did not code it; units with fewer
    than two values are not pairable and are left out, as the definition says.
    """
    index = {level: i for i, level in enumerate(levels)}
    k = len(levels)
    coincidence = [[0.0] * k for _ in range(k)]
    for unit in units:
        values = [index[v] for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        for a in range(m):
            for b in range(m):
                if a != b:
                    coincidence[values[a]][values[b]] += 1 / (m - 1)
    return _ordinal_alpha_from_coincidences(coincidence)


def _statistics(table: Table, levels: Sequence[int]) -> tuple[float | None, ...]:
    """The four figures of a table (the functions above, one call each)."""
    return (
        exact_agreement(table),
        mean_absolute_difference(table, levels),
        quadratic_weighted_kappa(table, levels),
        ordinal_alpha(table),
    )


def _sparse_statistics(
    cells: Sequence[tuple[int, int]], counts: Sequence[int], levels: Sequence[int]
) -> tuple[float | None, ...]:
    """The same four figures from the table's non-empty cells only, for the bootstrap,
    which evaluates them a thousand times per table: the expected kappa disagreement
    in closed form, sum (li - lj)^2 r_i c_j / n = sum r l^2 + sum c l^2 - 2 (sum r l)(sum c l) / n.
    Tested equal to the functions above."""
    k = len(levels)
    n = sum(counts)
    if not n:
        return (None, None, None, None)
    rows, cols = [0] * k, [0] * k
    same = abs_sum = sq_sum = 0
    for (i, j), count in zip(cells, counts, strict=True):
        rows[i] += count
        cols[j] += count
        diff = levels[i] - levels[j]
        if i == j:
            same += count
        abs_sum += abs(diff) * count
        sq_sum += diff * diff * count
    row_l = sum(r * lv for r, lv in zip(rows, levels, strict=True))
    col_l = sum(c * lv for c, lv in zip(cols, levels, strict=True))
    expected = (
        sum(r * lv * lv for r, lv in zip(rows, levels, strict=True))
        + sum(c * lv * lv for c, lv in zip(cols, levels, strict=True))
        - 2 * row_l * col_l / n
    )
    kappa = 1 - sq_sum / expected if expected else None
    return (same / n, abs_sum / n, kappa, _sparse_alpha(cells, counts, rows, cols, n))


def _sparse_alpha(cells, counts, rows: list[int], cols: list[int], n: int) -> float | None:
    """Krippendorff's ordinal alpha from the non-empty cells and the margins (a part of
    `_sparse_statistics`, kept apart so each reads as one formula)."""
    k = len(rows)
    marginals = [r + c for r, c in zip(rows, cols, strict=True)]
    cumulative = [0, *accumulate(marginals)]

    def delta(c: int, d: int) -> float:
        low, high = (c, d) if c < d else (d, c)
        return (cumulative[high + 1] - cumulative[low] - (marginals[c] + marginals[d]) / 2) ** 2

    observed = sum(
        count * delta(i, j) for (i, j), count in zip(cells, counts, strict=True) if i != j
    )
    expected = sum(
        marginals[c] * marginals[d] * delta(c, d)
        for c in range(k)
        if marginals[c]
        for d in range(c + 1, k)
        if marginals[d]
    )
    return 1 - (2 * n - 1) * observed / expected if expected else None


def _percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    position = q * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    fraction = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * fraction


def _resample(cells: Sequence[int], n: int, rng: random.Random) -> list[int]:
    """Counts of a multinomial draw of n over the cells with the given counts: n pairs
    drawn with replacement from the n pairs themselves (one cell index per pair), which
    draws by index instead of searching cumulative weights for every pair."""
    pairs = [c for c, count in enumerate(cells) for _ in range(count)]
    drawn = Counter(rng.choices(pairs, k=n))
    return [drawn[c] for c in range(len(cells))]


def pair_agreement(
    pairs: Iterable[tuple[int, int]],
    *,
    levels: Sequence[int] = LEVELS,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Agreement:
    """All four figures of a list of level pairs, each with a bootstrap interval."""
    table = contingency(pairs, levels)
    n = _total(table)
    values = _statistics(table, levels)
    samples: list[list[float]] = [[] for _ in values]
    k = len(levels)
    cells = [(i, j) for i in range(k) for j in range(k) if table[i][j]]
    counts = [table[i][j] for i, j in cells]
    if n and resamples:
        rng = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
        for _ in range(resamples):
            drawn = _sparse_statistics(cells, _resample(counts, n, rng), levels)
            for bucket, value in zip(samples, drawn, strict=True):
                # A resample without variation has no kappa or alpha: it is left out
                # of that figure's interval rather than counted as 0 or 1.
                if value is not None:
                    bucket.append(value)
    tail = (1 - confidence) / 2
    estimates = []
    for value, bucket in zip(values, samples, strict=True):
        if value is None or not bucket:
            estimates.append(Estimate(value, None, None))
            continue
        bucket.sort()
        estimates.append(Estimate(value, _percentile(bucket, tail), _percentile(bucket, 1 - tail)))
    exact, mad, kappa, alpha = estimates
    return Agreement(
        n=n, exact=exact, mean_abs_diff=mad, kappa=kappa, alpha=alpha, confidence=confidence
    )
