"""The ministry review of an external assessment: a verdict per indicator entry (valid,
or not valid with a corrected level and its facts, analysis and justification), then
the review's completion, which fixes the final result; release needs it where the
period holds a review.

The verdicts are Answer rows in the review phase (see `evaluations.models.review`); the
level that counts is chosen by `evaluations.scoring`, nowhere else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import deadlines, scoring, text_limits
from evaluations.models import (
    Answer,
    AuditEvent,
    Evaluation,
    EvaluationReview,
    Indicator,
    Phase,
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


def review_required(period) -> bool:
    """Whether results of `period` are released only after the ministry review: where
    the period holds a review (sets its window)."""
    return deadlines.holds_stage(period, Phase.REVIEW)


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
    """Close the review: every assessed entry has a verdict (REVIEW_INCOMPLETE); the
    final index and predicate are computed again from the levels that now count (the
    corrections included). Side effect: audit event with the new result."""
    evaluation = _lock(evaluation, by)
    require_stage_open(evaluation.period, Phase.REVIEW, now)
    missing = unreviewed_entries(evaluation)
    if missing:
        raise ValidationError(REVIEW_INCOMPLETE, params={"count": len(missing)}, code="incomplete")
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
