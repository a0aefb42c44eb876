"""The ministry review of an external assessment: a verdict per indicator entry (valid,
or not valid with a corrected level and its facts, analysis and justification), then
the review's completion, which fixes the final result; release needs it where the
period holds a review. The decision on the assessors' texts is in `assessment_texts`.

The verdicts are Answer rows in the review phase (see `evaluations.models.review`); the
level that counts is chosen by `evaluations.scoring`, nowhere else.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import review_scope, sampling, scoring, text_limits
from evaluations.models import (
    Answer,
    AuditEvent,
    Evaluation,
    EvaluationPeriod,
    EvaluationReview,
    Indicator,
    Phase,
    ReviewScope,
    TextReview,
)
from evaluations.permissions import require
from evaluations.selectors.assessment import compute_results
from evaluations.services.assessment import (
    _apply_changes,
    _check_validated_level,
    _stage_answer,
    require_stage_open,
    three_parts,
)
from evaluations.services.core import record_event
from institutions.permissions import is_ministry_reviewer

NOT_REVIEWABLE = _("Only an approved, unreleased evaluation is reviewed (status: %(status)s).")
REVIEW_DONE = _("The review of this evaluation is complete: its verdicts no longer change.")
CORRECTION_NEEDS_REASONS = _(
    "A level found not valid needs the corrected level and its facts, analysis and justification."
)
REVIEW_INCOMPLETE = _(
    "%(count)s indicator entries still need a verdict before the review can be completed."
)
TEXTS_NOT_ACCEPTED = _(
    "Accept the assessors' strengths, weaknesses and recommendation before completing the review."
)
SCOPE_LOCKED = _(
    "The review scope can no longer change: a review of this period is already complete."
)
BAD_SHARE = _("The sample share is a whole percentage from 1 to 100.")


def review_required(period) -> bool:
    """Whether results of `period` are released only after the ministry review: where
    the period holds a review (sets its window). Which evaluations it covers is
    `review_scope.needs_review_q`."""
    return review_scope.holds_review(period)


def sample_by_kind(evaluations, *, percent: int, seed: int) -> list:
    """The review sample: strata are the kinds of institution
    (`sampling.stratified_sample`)."""
    return sampling.stratified_sample(
        evaluations,
        stratum=lambda ev: ev.institution.kind,
        share=Decimal(percent) / 100,
        seed=seed,
    )


@transaction.atomic
def set_review_scope(
    *, period: EvaluationPeriod, scope: str, by, percent: int | None = None, seed=None, now=None
) -> EvaluationPeriod:
    """Review the period in full, or by a sample drawn now per kind of institution from a
    recorded seed (a new one unless given). Refused once any review of the period is
    complete (SCOPE_LOCKED). Side effect: audit event with the scope, share, seed, size."""
    require(is_ministry_reviewer(by))
    period = EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
    if EvaluationReview.objects.filter(evaluation__period=period).exists():
        raise ValidationError(SCOPE_LOCKED, code="locked")
    before = [period.review_scope, period.review_sample_percent, period.review_sample_seed]
    evaluations = Evaluation.objects.filter(period=period)
    size = None
    if scope == ReviewScope.SAMPLE:
        percent = period.review_sample_percent if percent is None else percent
        if not isinstance(percent, int) or not 1 <= percent <= 100:
            raise ValidationError(BAD_SHARE, code="share")
        seed = secrets.randbelow(2**31) if seed is None else int(seed)
        chosen = sample_by_kind(
            list(evaluations.select_related("institution")), percent=percent, seed=seed
        )
        evaluations.update(in_review_sample=False)
        Evaluation.objects.filter(pk__in=[ev.pk for ev in chosen]).update(in_review_sample=True)
        period.review_sample_percent, period.review_sample_seed = percent, seed
        period.review_sample_drawn_at = now or timezone.now()
        size = len(chosen)
    else:
        scope = ReviewScope.FULL
        evaluations.update(in_review_sample=False)
        period.review_sample_seed, period.review_sample_drawn_at = None, None
    period.review_scope = scope
    period.save(
        update_fields=[
            "review_scope",
            "review_sample_percent",
            "review_sample_seed",
            "review_sample_drawn_at",
        ]
    )
    record_event(
        action=AuditEvent.Action.REVIEW_SAMPLE_DRAWN,
        actor=by,
        period=period,
        changes={
            "scope": [before[0], scope],
            "percent": [before[1], period.review_sample_percent],
            "seed": [before[2], period.review_sample_seed],
            "size": [None, size],
        },
    )
    return period


def _lock(evaluation, by) -> Evaluation:
    require(is_ministry_reviewer(by))
    evaluation = (
        Evaluation.objects.select_for_update()
        .select_related("period__framework", "institution")
        .get(pk=evaluation.pk)
    )
    if evaluation.status != Evaluation.Status.APPROVED:
        raise ValidationError(
            NOT_REVIEWABLE, params={"status": evaluation.get_status_display()}, code="status"
        )
    if EvaluationReview.objects.filter(evaluation=evaluation).exists():
        raise ValidationError(REVIEW_DONE, code="done")
    return evaluation


@transaction.atomic
def save_review_verdict(
    *,
    evaluation: Evaluation,
    indicator: Indicator,
    by,
    valid: bool,
    level: int | None = None,
    facts: str = "",
    analysis: str = "",
    justification: str = "",
    entry: int = 1,
    version: int | None = None,
    now=None,
) -> Answer:
    """Record the review's verdict on one entry. Valid: no level (the assessors' stands).
    Not valid: the corrected level and all three parts of its explanation.

    Guards, after the lock: the reviewer permission; the evaluation approved and its
    review not completed; the review window open; the level allowed by the framework;
    the version current. Side effect: audit event with the verdict.
    """
    evaluation = _lock(evaluation, by)
    require_stage_open(evaluation.period, Phase.REVIEW, now)
    texts = three_parts(facts=facts, analysis=analysis, justification=justification)
    if valid:
        level = None
    else:
        if level is None or not all(texts.values()):
            raise ValidationError(CORRECTION_NEEDS_REASONS, code="reasons")
        _check_validated_level(evaluation.period.framework, indicator, entry, level)
    if indicator.framework_id != evaluation.period.framework_id:
        raise PermissionDenied
    answer = _stage_answer(evaluation, indicator, entry, version, Phase.REVIEW)
    changes = _apply_changes(answer, {"level": level, **texts})
    if not changes and answer.pk:
        return answer
    answer.version += 1
    answer.updated_by = by
    answer.save()
    record_event(
        action=AuditEvent.Action.REVIEW_VERDICT_SAVED,
        actor=by,
        evaluation=evaluation,
        indicator=indicator,
        changes=text_limits.audit_changes({**changes, "entry": entry, "valid": valid}),
    )
    return answer


def unreviewed_entries(evaluation) -> list[tuple[int, int]]:
    """(indicator id, entry) pairs with an assessors' level but no review verdict yet."""
    answers = list(Answer.objects.filter(evaluation=evaluation))
    assessed = scoring.counting_answers(answers, up_to=Phase.FINAL)
    verdicts = {(a.indicator_id, a.entry) for a in answers if a.phase == Phase.REVIEW}
    return sorted(set(assessed) - verdicts)


@transaction.atomic
def complete_review(*, evaluation: Evaluation, by, now=None, spec=None) -> EvaluationReview:
    """Close the review: every assessed entry has a verdict (REVIEW_INCOMPLETE) and the
    assessors' texts are accepted (TEXTS_NOT_ACCEPTED); the
    final index and predicate are computed again from the levels that now count (the
    corrections included). Side effect: audit event with the new result."""
    evaluation = _lock(evaluation, by)
    require_stage_open(evaluation.period, Phase.REVIEW, now)
    missing = unreviewed_entries(evaluation)
    if missing:
        raise ValidationError(REVIEW_INCOMPLETE, params={"count": len(missing)}, code="incomplete")
    if not TextReview.objects.filter(
        evaluation=evaluation, state=TextReview.State.ACCEPTED
    ).exists():
        raise ValidationError(TEXTS_NOT_ACCEPTED, code="texts")
    _self, final = compute_results(evaluation, spec)
    before = [str(evaluation.final_index), evaluation.final_predicate]
    evaluation.final_index, evaluation.final_predicate = final.index, final.predicate
    evaluation.save(update_fields=["final_index", "final_predicate", "updated_at"])
    review = EvaluationReview.objects.create(
        evaluation=evaluation,
        completed_at=now or timezone.now(),
        completed_by=by,
        corrections=Answer.objects.filter(
            evaluation=evaluation, phase=Phase.REVIEW, level__isnull=False
        ).count(),
    )
    record_event(
        action=AuditEvent.Action.REVIEW_COMPLETED,
        actor=by,
        evaluation=evaluation,
        changes={
            "final": [before, [str(final.index), final.predicate]],
            "corrections": review.corrections,
        },
    )
    return review
