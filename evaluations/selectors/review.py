"""Reads for the ministry review page: per indicator entry the assessors' level (the
latest stage's) beside the review's verdict."""

from __future__ import annotations

from dataclasses import dataclass

from evaluations import scoring
from evaluations.models import (
    Answer,
    Aspect,
    AspectNote,
    Evaluation,
    EvaluationReview,
    GeneralRecommendation,
    Indicator,
    Phase,
    TextReview,
)


@dataclass(frozen=True)
class ReviewRow:
    indicator: Indicator
    entry: int
    assessed: Answer  # the answer that counts before the review
    verdict: Answer | None  # the review phase's row: level None = valid

    @property
    def anchor(self) -> str:
        return f"ind-{self.indicator.number}-{self.entry}"

    @property
    def valid(self) -> bool | None:
        if self.verdict is None:
            return None
        return self.verdict.level is None


def review_rows(evaluation) -> list[ReviewRow]:
    """Every entry the assessors scored, in indicator order. Two queries."""
    indicators = {
        ind.pk: ind for ind in Indicator.objects.filter(framework_id=evaluation.period.framework_id)
    }
    answers = list(Answer.objects.filter(evaluation=evaluation))
    assessed = scoring.counting_answers(answers, up_to=Phase.FINAL)
    verdicts = {(a.indicator_id, a.entry): a for a in answers if a.phase == Phase.REVIEW}
    keys = sorted(assessed, key=lambda k: (indicators[k[0]].number, k[1]))
    return [
        ReviewRow(
            indicator=indicators[key[0]],
            entry=key[1],
            assessed=assessed[key],
            verdict=verdicts.get(key),
        )
        for key in keys
    ]


def completed_review(evaluation) -> EvaluationReview | None:
    return EvaluationReview.objects.filter(evaluation=evaluation).first()


@dataclass(frozen=True)
class AspectTexts:
    aspect: Aspect
    note: AspectNote | None


@dataclass(frozen=True)
class TextsSheet:
    aspects: list[AspectTexts]
    recommendation: GeneralRecommendation | None
    review: TextReview | None

    @property
    def state(self) -> str:
        return self.review.state if self.review else TextReview.State.PENDING


def texts_sheet(evaluation) -> TextsSheet:
    """The assessors' texts of one evaluation: per aspect of the framework its note (or
    None), the general recommendation and the review team's decision. Four queries."""
    aspects = list(
        Aspect.objects.filter(domain__framework_id=evaluation.period.framework_id).order_by(
            "domain__order", "order"
        )
    )
    notes = {
        n.aspect_id: n
        for n in AspectNote.objects.filter(evaluation=evaluation, phase=Phase.DOCUMENT)
    }
    return TextsSheet(
        aspects=[AspectTexts(aspect=a, note=notes.get(a.pk)) for a in aspects],
        recommendation=GeneralRecommendation.objects.filter(evaluation=evaluation).first(),
        review=TextReview.objects.filter(evaluation=evaluation).first(),
    )


def review_sample(period) -> list:
    """The evaluations drawn into the period's review sample, with their institution, in
    kind and name order. One query."""
    return list(
        Evaluation.objects.filter(period=period, in_review_sample=True)
        .select_related("institution", "review")
        .order_by("institution__kind", "institution__name")
    )
