"""Agreement between first and second assessors of a period's calibration sample.

Per indicator entry the pair is (the level that counts, from the first assessment, as
`counting_answers` picks it; the second assessor's level). Three queries for the whole
period, then one pass in Python; the statistics are `evaluations.agreement`'s.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from evaluations.agreement import Agreement, pair_agreement
from evaluations.models import Answer, CalibrationAnswer, CalibrationItem
from evaluations.scoring import counting_answers
from institutions.models import University, User

# The per-university and per-pair rows draw fewer bootstrap resamples than the period
# figure: at the national scale there are some 60 pairs of assessors, and 200 resamples
# keep the page near a second while the interval bounds move by about 0.01.
ROW_RESAMPLES = 200


@dataclass(frozen=True)
class Row:
    label: str
    agreement: Agreement


@dataclass(frozen=True)
class Disagreement:
    evaluation_id: int
    indicator_id: int
    entry: int
    first: int
    second: int


def level_pairs(period) -> list[tuple[int, ...]]:
    """(evaluation id, indicator id, entry, first level, second level, first assessor id,
    second assessor id) for every entry scored by both."""
    items = list(
        CalibrationItem.objects.filter(sample__period=period).values_list(
            "evaluation_id", flat=True
        )
    )
    first = defaultdict(list)
    for answer in Answer.objects.filter(evaluation_id__in=items).only(
        "evaluation_id", "indicator_id", "entry", "phase", "level", "updated_by_id"
    ):
        first[answer.evaluation_id].append(answer)
    counting = {
        (evaluation_id, key[0], key[1]): answer
        for evaluation_id, rows in first.items()
        for key, answer in counting_answers(rows).items()
    }
    pairs = []
    for second in CalibrationAnswer.objects.filter(item__evaluation_id__in=items).values(
        "item__evaluation_id", "indicator_id", "entry", "level", "assessor_id"
    ):
        key = (second["item__evaluation_id"], second["indicator_id"], second["entry"])
        if key in counting:
            answer = counting[key]
            pairs.append(
                (*key, answer.level, second["level"], answer.updated_by_id, second["assessor_id"])
            )
    return pairs


def calibration_agreement(period, *, seed: int = 0) -> dict:
    """Agreement overall, per first assessor's university and per assessor pair, and the
    entries whose levels differ by more than one (the consensus list)."""
    pairs = level_pairs(period)
    people = {
        u.pk: u for u in User.objects.filter(pk__in={p[5] for p in pairs} | {p[6] for p in pairs})
    }
    universities = dict(University.objects.values_list("pk", "short_name"))
    by_university = defaultdict(list)
    by_pair = defaultdict(list)
    for _evaluation, _indicator, _entry, first, second, first_by, second_by in pairs:
        first_person, second_person = people.get(first_by), people.get(second_by)
        uni = universities.get(getattr(first_person, "university_id", None), "–")
        by_university[uni].append((first, second))
        names = tuple(
            (p.get_full_name() or p.username) if p else "–" for p in (first_person, second_person)
        )
        by_pair[names].append((first, second))
    return {
        "overall": pair_agreement([(p[3], p[4]) for p in pairs], seed=seed),
        "by_university": [
            Row(label, pair_agreement(v, seed=seed, resamples=ROW_RESAMPLES))
            for label, v in sorted(by_university.items())
        ],
        "by_pair": [
            Row(" / ".join(names), pair_agreement(v, seed=seed, resamples=ROW_RESAMPLES))
            for names, v in sorted(by_pair.items())
        ],
        "disagreements": [
            Disagreement(p[0], p[1], p[2], p[3], p[4]) for p in pairs if abs(p[3] - p[4]) > 1
        ],
    }
