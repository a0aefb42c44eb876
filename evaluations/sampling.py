"""Stratified random samples of evaluations: the calibration sample and the ministry
review's sample are drawn by this one rule, so both are reproducible the same way."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal


def stratified_sample(evaluations: Iterable, *, stratum: Callable, share: Decimal, seed: int):
    """In every stratum (`stratum(evaluation)`, a sortable key) the `share` of its
    evaluations, rounded half up and at least one, drawn at random; sorted by pk.

    Reproducible: strata are taken in sorted order and evaluations by primary key, and
    one `random.Random(seed)` draws them all, so the same evaluations and seed always
    give the same sample.
    """
    strata = defaultdict(list)
    for ev in evaluations:
        strata[stratum(ev)].append(ev)
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    chosen = []
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda ev: ev.pk)
        size = (share * len(members)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        chosen.extend(rng.sample(members, min(len(members), max(1, int(size)))))
    return sorted(chosen, key=lambda ev: ev.pk)
