"""Calibrated assessment: the admin draws a stratified sample of a period's evaluations;
each sampled evaluation gets a second assessor from another university, who scores it
blind. Every write is audited."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluations import sampling, text_limits
from evaluations.models import (
    Answer,
    AuditEvent,
    CalibrationAnswer,
    CalibrationItem,
    CalibrationSample,
    ConflictOfInterest,
    Evaluation,
    EvaluationPeriod,
    Phase,
)
from evaluations.permissions import (
    can_coordinate,
    is_assessor,
    require,
    require_admin,
    second_scoring_is_open,
)
from evaluations.scoring import MAX_LEVEL, counting_answers
from evaluations.services.core import record_event

REASON_REQUIRED = _("Say why this level was decided.")
ALREADY_DRAWN = _("This period already has a calibration sample.")
NOTHING_TO_SAMPLE = _("No evaluation of this period has an assessing university yet.")
SAME_UNIVERSITY = _("The second assessor must come from another university.")
NOT_AN_ASSESSOR = _("Only an active assessor can be the second assessor.")
NOT_A_DISAGREEMENT = _("Only levels that differ by more than one go to consensus.")
CONSENSUS_CLOSED = _("The level can be decided only before the assessment is approved.")
SECOND_CLOSED = _(
    "The second assessment is closed: the evaluation is not submitted yet or its "
    "assessment is already approved."
)
BAD_LEVEL = _("Choose a level from the list.")
CONFLICTED = _("This assessor has a declared conflict of interest with the institution.")


def stratified_draw(evaluations, *, share: Decimal, seed: int) -> list:
    """The calibration sample: strata are (institution kind, assessing university)
    (`sampling.stratified_sample`). `evaluations` need `pk`, `institution.kind`,
    `university_id`."""
    return sampling.stratified_sample(
        evaluations,
        stratum=lambda ev: (ev.institution.kind, ev.university_id),
        share=share,
        seed=seed,
    )


@transaction.atomic
def draw_calibration_sample(
    *, period: EvaluationPeriod, share: Decimal, by, seed: int | None = None
) -> CalibrationSample:
    """Draw and record the period's sample (once per period), with the seed it used."""
    require_admin(by)
    period = EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
    if CalibrationSample.objects.filter(period=period).exists():
        raise ValidationError(ALREADY_DRAWN, code="drawn")
    evaluations = list(
        Evaluation.objects.filter(period=period, university__isnull=False).select_related(
            "institution"
        )
    )
    if not evaluations:
        raise ValidationError(NOTHING_TO_SAMPLE, code="empty")
    seed = secrets.randbelow(2**31) if seed is None else seed
    share = Decimal(share)
    chosen = stratified_draw(evaluations, share=share, seed=seed)
    sample = CalibrationSample.objects.create(period=period, share=share, seed=seed, drawn_by=by)
    CalibrationItem.objects.bulk_create(
        [CalibrationItem(sample=sample, evaluation=ev) for ev in chosen], batch_size=500
    )
    record_event(
        action=AuditEvent.Action.CALIBRATION_DRAWN,
        actor=by,
        period=period,
        changes={"share": [None, str(share)], "seed": [None, seed], "size": [None, len(chosen)]},
    )
    return sample


@transaction.atomic
def assign_second_assessor(*, item: CalibrationItem, assessor, by) -> CalibrationItem:
    """Give a sampled evaluation its second assessor: an active assessor of another
    university than the one assessing it, without a declared conflict of interest."""
    require_admin(by)
    item = (
        CalibrationItem.objects.select_for_update(of=("self",))
        .select_related("evaluation")
        .get(pk=item.pk)
    )
    ev = item.evaluation
    if not is_assessor(assessor) or not assessor.is_active:
        raise ValidationError(NOT_AN_ASSESSOR, code="role")
    if assessor.university_id == ev.university_id:
        raise ValidationError(SAME_UNIVERSITY, code="university")
    if ConflictOfInterest.objects.filter(
        Q(assessor=assessor) | Q(university_id=assessor.university_id, assessor__isnull=True),
        institution_id=ev.institution_id,
    ).exists():
        raise ValidationError(CONFLICTED, code="conflict")
    before = item.second_assessor_id
    item.second_assessor = assessor
    item.save(update_fields=["second_assessor"])
    record_event(
        action=AuditEvent.Action.CALIBRATION_ASSESSOR,
        actor=by,
        evaluation=ev,
        changes={"second_assessor": [before, assessor.pk]},
    )
    return item


@transaction.atomic
def save_second_level(
    *, item: CalibrationItem, indicator, entry: int, level: int, by, note: str = ""
):
    """The second assessor's level and explanation for one entry; only the assigned
    second assessor."""
    item = (
        CalibrationItem.objects.select_for_update(of=("self",))
        .select_related("evaluation")
        .get(pk=item.pk)
    )
    require(item.second_assessor_id is not None and item.second_assessor_id == by.pk)
    evaluation = Evaluation.objects.select_for_update().get(pk=item.evaluation_id)
    if not second_scoring_is_open(evaluation):
        raise ValidationError(SECOND_CLOSED, code="closed")
    allow_zero = evaluation.period.framework.allow_zero_validated
    if level is None or not (0 if allow_zero else 1) <= level <= MAX_LEVEL:
        raise ValidationError(BAD_LEVEL, code="level")
    note = text_limits.check((note or "").strip(), text_limits.EXPLANATION, _("Explanation"))
    answer, created = CalibrationAnswer.objects.get_or_create(
        item=item,
        indicator=indicator,
        entry=entry,
        defaults={"level": level, "note": note, "assessor": by},
    )
    before = (None, "") if created else (answer.level, answer.note)
    if not created:
        answer.level, answer.note, answer.assessor = level, note, by
        answer.save(update_fields=["level", "note", "assessor", "updated_at"])
    changes = {"level": [before[0], level]}
    if note != before[1]:
        changes["note"] = [before[1], note]
    record_event(
        action=AuditEvent.Action.CALIBRATION_LEVEL_SAVED,
        actor=by,
        evaluation=item.evaluation,
        indicator=indicator,
        changes=text_limits.audit_changes(changes),
    )
    return answer


# Before approval the decided level enters the result that approval computes.
CONSENSUS_OPEN = (Evaluation.Status.UNDER_ASSESSMENT, Evaluation.Status.ASSESSED)


@transaction.atomic
def decide_consensus(*, item: CalibrationItem, indicator, entry: int, level: int, reason: str, by):
    """The coordinator of the assessing university (or an admin) decides the level of an
    entry on which the two assessors differ by more than one level, having seen both.

    The decision is written as the entry's final-phase answer, so it is the level that
    counts by the one rule (`counting_answers`: the latest assessor phase with a level).
    """
    evaluation = Evaluation.objects.select_for_update().get(pk=item.evaluation_id)
    require(can_coordinate(by, evaluation.university_id))
    if evaluation.status not in CONSENSUS_OPEN:
        raise ValidationError(CONSENSUS_CLOSED, code="closed")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED}, code="reason")
    # The first assessor's own level (up to the site visit): a decision already taken
    # (the final adjustment) may be taken again before approval.
    counting = counting_answers(
        Answer.objects.filter(evaluation=evaluation, indicator=indicator, entry=entry),
        up_to=Phase.VISIT,
    ).get((indicator.pk, entry))
    second = CalibrationAnswer.objects.filter(item=item, indicator=indicator, entry=entry).first()
    if counting is None or second is None or abs(counting.level - second.level) <= 1:
        raise ValidationError(NOT_A_DISAGREEMENT, code="agreement")
    final, _created = Answer.objects.get_or_create(
        evaluation=evaluation,
        indicator=indicator,
        entry=entry,
        phase=Phase.FINAL,
        defaults={"level": level, "version": 0},
    )
    final.level, final.note, final.updated_by = level, reason, by
    final.version += 1
    final.save()
    record_event(
        action=AuditEvent.Action.CALIBRATION_CONSENSUS,
        actor=by,
        evaluation=evaluation,
        indicator=indicator,
        changes={
            "first": [None, counting.level],
            "second": [None, second.level],
            "level": [counting.level, level],
        },
        note=text_limits.for_audit(reason),
    )
    return final
