"""The interview's agenda: indicators the assessor marks during the document stage to
raise at the interview, each with a short question.

Marking follows the document scoring's guards (assigned assessor, the document stage
open, the evaluation submitted or under assessment) and needs a period that holds an
interview. Every change is audited in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from evaluations import deadlines
from evaluations.models import AgendaItem, AuditEvent, Evaluation, Indicator, Phase
from evaluations.models.interview import QUESTION_LENGTH
from evaluations.services.assessment import _lock_for_assessor, _require_scorable
from evaluations.services.core import record_event

NO_INTERVIEW = _("This period holds no interview: there is no agenda to add to.")
QUESTION_TOO_LONG = _("The question is too long: at most %(limit)s characters.")


def _check(evaluation: Evaluation, indicator: Indicator, now) -> None:
    if indicator.framework_id != evaluation.period.framework_id:
        raise PermissionDenied
    if not deadlines.holds_stage(evaluation.period, "interview"):
        raise ValidationError(NO_INTERVIEW, code="no_interview")
    _require_scorable(evaluation, Phase.DOCUMENT, now)


@transaction.atomic
def mark_for_interview(
    *, evaluation: Evaluation, indicator: Indicator, by, question: str = "", now=None
) -> AgendaItem:
    """Put `indicator` on the interview's agenda (or change its question).

    Preconditions: `by` is assigned (else PermissionDenied); the period holds an
    interview; the document stage is open and the evaluation is being scored. A call
    that changes nothing returns the item without a second event.
    """
    evaluation = _lock_for_assessor(evaluation, by)
    _check(evaluation, indicator, now)
    question = (question or "").strip()
    if len(question) > QUESTION_LENGTH:
        raise ValidationError(QUESTION_TOO_LONG, params={"limit": QUESTION_LENGTH}, code="long")
    item = AgendaItem.objects.filter(evaluation=evaluation, indicator=indicator).first()
    if item is not None and item.question == question:
        return item
    old = item.question if item else None
    if item is None:
        item = AgendaItem(evaluation=evaluation, indicator=indicator, created_by=by)
    item.question = question
    item.save()
    record_event(
        action=AuditEvent.Action.AGENDA_MARKED,
        actor=by,
        evaluation=evaluation,
        indicator=indicator,
        changes={"question": [old, question]},
    )
    return item


@transaction.atomic
def unmark_for_interview(*, evaluation: Evaluation, indicator: Indicator, by, now=None) -> bool:
    """Take `indicator` off the agenda; False when it was not on it (nothing recorded).
    Same preconditions as `mark_for_interview`."""
    evaluation = _lock_for_assessor(evaluation, by)
    _check(evaluation, indicator, now)
    item = AgendaItem.objects.filter(evaluation=evaluation, indicator=indicator).first()
    if item is None:
        return False
    item.delete()
    record_event(
        action=AuditEvent.Action.AGENDA_REMOVED,
        actor=by,
        evaluation=evaluation,
        indicator=indicator,
        changes={"question": [item.question, None]},
    )
    return True
