"""Time of the agreement statistics at the national scale, without a database.

623 institutions x 47 indicators, a 10 % calibration sample (the stratified draw over
kind x assessing university, as the service does it), each sampled entry scored by a
second assessor whose level differs from the first by -1..+1 now and then. Times:

- the stratified draw from a seed;
- `pair_agreement` on all pairs (four figures + 1000 bootstrap resamples);
- the per-university and per-assessor-pair tables (one `pair_agreement` per group, with
  the calibration page's ROW_RESAMPLES).

Prints each time (median of N runs) and the overall figures.

Run:  .venv/bin/python bench/bench_agreement.py [-n 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")

import django  # noqa: E402

django.setup()

from evaluations.agreement import pair_agreement  # noqa: E402
from evaluations.selectors.calibration import ROW_RESAMPLES  # noqa: E402
from evaluations.services.calibration import stratified_draw  # noqa: E402

INSTITUTIONS, INDICATORS, SHARE = 623, 47, Decimal("0.10")
KINDS = ["kementerian"] * 34 + ["lembaga"] * 41 + ["provinsi"] * 34
KINDS += ["kabupaten"] * 416 + ["kota"] * 98
UNIVERSITIES, ASSESSORS_PER_UNIVERSITY = 5, 60


def population(rng):
    evaluations = []
    for pk, kind in enumerate(KINDS, start=1):
        uni = pk % UNIVERSITIES
        evaluations.append(
            SimpleNamespace(
                pk=pk,
                institution=SimpleNamespace(kind=kind),
                university_id=uni,
                first=(uni, rng.randrange(ASSESSORS_PER_UNIVERSITY)),
                second=((uni + 1) % UNIVERSITIES, rng.randrange(ASSESSORS_PER_UNIVERSITY)),
            )
        )
    return evaluations


def pairs_of(sample, rng):
    rows = []
    for ev in sample:
        for _ in range(INDICATORS):
            first = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])
            second = min(5, max(0, first + rng.choice([-1, 0, 0, 0, 0, 1])))
            rows.append((ev, first, second))
    return rows


def tables(rows):
    by_university, by_pair = defaultdict(list), defaultdict(list)
    for ev, first, second in rows:
        by_university[ev.university_id].append((first, second))
        by_pair[(ev.first, ev.second)].append((first, second))
    return (
        [pair_agreement(v, resamples=ROW_RESAMPLES) for v in by_university.values()],
        [pair_agreement(v, resamples=ROW_RESAMPLES) for v in by_pair.values()],
    )


def timed(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=3, help="runs per measure (median)")
    args = parser.parse_args()
    rng = random.Random(2024)
    evaluations = population(rng)
    draw_s, sample = timed(lambda: stratified_draw(evaluations, share=SHARE, seed=7), args.n)
    rows = pairs_of(sample, rng)
    overall_s, overall = timed(lambda: pair_agreement([(a, b) for _e, a, b in rows]), args.n)
    tables_s, (unis, pairs) = timed(lambda: tables(rows), args.n)
    print(f"sample: {len(sample)} of {len(evaluations)} evaluations, {len(rows)} level pairs")
    print(f"stratified draw: {draw_s * 1000:.1f} ms")
    print(f"overall agreement (4 figures, 1000 resamples): {overall_s * 1000:.0f} ms")
    print(f"tables: {len(unis)} universities + {len(pairs)} pairs: {tables_s * 1000:.0f} ms")
    for name in ("exact", "mean_abs_diff", "kappa", "alpha"):
        e = getattr(overall, name)
        print(f"  {name}: {e.value:.3f} [{e.low:.3f}, {e.high:.3f}]")


if __name__ == "__main__":
    main()
