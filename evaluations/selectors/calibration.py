"""Agreement between first and second assessors of a period's calibration sample.

Per indicator entry the pair is (the level that counts, from the first assessment, as
`counting_answers` picks it; the second assessor's level). Three queries for the whole
period, then one pass in Python; the statistics are `evaluations.agreement`'s.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from evaluations.agreement import Agreement, pair_agreement
from evaluations.models import Answer, CalibrationAnswer, CalibrationItem, Indicator, Phase
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


def _first_levels(evaluation_ids) -> dict[tuple[int, int, int], Answer]:
    """The first assessment's counting answer of every entry: the assessor phases up to
    the site visit, so a consensus decision (the final adjustment) does not stand in for
    the first assessor's own level. One query."""
    first = defaultdict(list)
    for answer in Answer.objects.filter(evaluation_id__in=evaluation_ids).only(
        "evaluation_id", "indicator_id", "entry", "phase", "level", "updated_by_id"
    ):
        first[answer.evaluation_id].append(answer)
    return {
        (evaluation_id, key[0], key[1]): answer
        for evaluation_id, rows in first.items()
        for key, answer in counting_answers(rows, up_to=Phase.VISIT).items()
    }


def _pairs(evaluation_ids) -> list[tuple[int, ...]]:
    counting = _first_levels(evaluation_ids)
    pairs = []
    for second in CalibrationAnswer.objects.filter(item__evaluation_id__in=evaluation_ids).values(
        "item__evaluation_id", "indicator_id", "entry", "level", "assessor_id"
    ):
        key = (second["item__evaluation_id"], second["indicator_id"], second["entry"])
        if key in counting:
            answer = counting[key]
            pairs.append(
                (*key, answer.level, second["level"], answer.updated_by_id, second["assessor_id"])
            )
    return pairs


def level_pairs(period) -> list[tuple[int, ...]]:
    """(evaluation id, indicator id, entry, first level, second level, first assessor id,
    second assessor id) for every entry scored by both."""
    return _pairs(
        list(
            CalibrationItem.objects.filter(sample__period=period).values_list(
                "evaluation_id", flat=True
            )
        )
    )


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


# --- The admin's assignment table ----------------------------------------------------------


def sample_items(period):
    """The sample's evaluations with their institution, assessing university and
    second assessor (one query)."""
    return (
        CalibrationItem.objects.filter(sample__period=period)
        .select_related("evaluation__institution", "evaluation__university", "second_assessor")
        .order_by("evaluation__institution__name")
    )


def second_assessor_candidates():
    """Active assessors with their university, grouped by university for the choice;
    the service refuses one of the assessing university (one query)."""
    return list(
        User.objects.filter(role="assessor", is_active=True, university__isnull=False)
        .select_related("university")
        .order_by("university__short_name", "first_name", "last_name", "username")
    )


# --- The second assessor's screens ---------------------------------------------------------


def my_second_assessments(user):
    """The sampled evaluations `user` scores as second assessor, with how many entries
    they have scored (one query)."""
    return (
        CalibrationItem.objects.filter(second_assessor=user)
        .select_related("evaluation__institution", "evaluation__period")
        .annotate(scored=Count("answers"))
        .order_by("evaluation__institution__name")
    )


def blind_scoring_groups(item) -> list:
    """The scoring page's groups for the second assessor: per entry the institution's
    answer, its evidence and last period's result, and the second assessor's own level
    (`row.second_level`); never the first assessment (blind). A constant number of
    queries."""
    from evaluations.selectors.assessment import (
        AspectGroup,
        ScoringRow,
        _previous_levels,
        _self_and_document_answers,
        shown_entries,
    )

    evaluation = item.evaluation
    indicators = list(
        Indicator.objects.filter(framework_id=evaluation.period.framework_id)
        .select_related("aspect__domain")
        .order_by("number")
    )
    self_answers, _first = _self_and_document_answers(evaluation)
    second_answers = {
        (a.indicator_id, a.entry): a for a in CalibrationAnswer.objects.filter(item=item)
    }
    seconds = {key: a.level for key, a in second_answers.items()}
    previous = _previous_levels(evaluation, indicators)
    groups: dict[int, AspectGroup] = {}
    for ind in indicators:
        group = groups.setdefault(ind.aspect_id, AspectGroup(aspect=ind.aspect, note=None))
        for entry in shown_entries(ind.pk, self_answers, seconds):
            self_answer = self_answers.get((ind.pk, entry))
            row = ScoringRow(
                indicator=ind,
                entry=entry,
                self_answer=self_answer,
                doc_answer=None,
                previous_level=(previous.get(ind.pk) or {}).get(entry),
                evidence=[link.evidence for link in self_answer.evidence_links.all()]
                if self_answer
                else [],
            )
            row.second_level = seconds.get((ind.pk, entry))
            second = second_answers.get((ind.pk, entry))
            row.second_note = second.note if second is not None else ""
            group.rows.append(row)
    return list(groups.values())


# --- Consensus -----------------------------------------------------------------------------


@dataclass
class ConsensusRow:
    indicator: object
    entry: int
    self_level: int | None
    first: Answer
    second: CalibrationAnswer
    decided: Answer | None


def consensus_items(items) -> list[tuple[CalibrationItem, int, int]]:
    """(item, disagreements, decided) for the items of `items` (a scoped queryset) with
    at least one entry whose levels differ by more than one. Three queries."""
    items = list(items.select_related("evaluation__institution", "evaluation__period"))
    by_evaluation = {item.evaluation_id: item for item in items}
    open_count = defaultdict(int)
    for p in _pairs(list(by_evaluation)):
        if abs(p[3] - p[4]) > 1:
            open_count[p[0]] += 1
    decided = defaultdict(int)
    for evaluation_id in Answer.objects.filter(
        evaluation_id__in=list(open_count), phase=Phase.FINAL, level__isnull=False
    ).values_list("evaluation_id", flat=True):
        decided[evaluation_id] += 1
    return [
        (by_evaluation[ev_id], n, min(decided[ev_id], n))
        for ev_id, n in sorted(
            open_count.items(), key=lambda kv: by_evaluation[kv[0]].evaluation.institution.name
        )
    ]


def consensus_rows(item) -> list[ConsensusRow]:
    """Every entry of one sampled evaluation where the two assessors differ by more than
    one level: both assessments side by side, the institution's own level and the
    decision taken so far (the final adjustment). Three queries."""
    answers = list(
        Answer.objects.filter(evaluation_id=item.evaluation_id).select_related("updated_by")
    )
    first = counting_answers(answers, up_to=Phase.VISIT)
    own = counting_answers(answers, validated=False)
    final = {(a.indicator_id, a.entry): a for a in answers if a.phase == Phase.FINAL}
    rows = []
    for second in (
        CalibrationAnswer.objects.filter(item=item)
        .select_related("indicator", "assessor")
        .order_by("indicator__number", "entry")
    ):
        key = (second.indicator_id, second.entry)
        answer = first.get(key)
        if answer is None or abs(answer.level - second.level) <= 1:
            continue
        mine = own.get(key)
        rows.append(
            ConsensusRow(
                indicator=second.indicator,
                entry=second.entry,
                self_level=mine.level if mine else None,
                first=answer,
                second=second,
                decided=final.get(key),
            )
        )
    return rows
