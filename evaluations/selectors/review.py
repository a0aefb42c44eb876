"""Reads for the ministry review page: per indicator entry the assessors' level (the
latest stage's) beside the review's verdict."""

from __future__ import annotations

from dataclasses import dataclass

from evaluations import scoring
from evaluations.models import Answer, EvaluationReview, Indicator, Phase


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
