"""Follow-up of released recommendations: created at release, assigned by the
institution's supervisor, progressed by its staff. Every write is audited."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.models import Answer, AuditEvent, FollowUp, FollowUpNote
from evaluations.permissions import can_assign_follow_up, can_update_follow_up, require
from evaluations.scoring import counting_answers
from evaluations.services.core import record_event
from institutions.models import User

OWNER_NOT_STAFF = _("The responsible person must be active staff of this institution.")
REASON_REQUIRED = _("Give the reason why this recommendation does not apply.")
NOTHING_CHANGED = _("Nothing to save: change the status or write a progress note.")


def create_follow_ups(*, evaluations) -> int:
    """One follow-up item per recommendation of the counting answers of `evaluations`
    (just released). Called inside the release transaction; a second call adds nothing.
    """
    by_evaluation = {ev.pk: ev for ev in evaluations}
    answers = defaultdict(list)
    for answer in Answer.objects.filter(evaluation_id__in=list(by_evaluation)).only(
        "evaluation_id", "indicator_id", "entry", "phase", "level", "recommendation"
    ):
        answers[answer.evaluation_id].append(answer)
    existing = set(
        FollowUp.objects.filter(evaluation_id__in=list(by_evaluation)).values_list(
            "evaluation_id", "indicator_id", "entry"
        )
    )
    items = [
        FollowUp(
            institution_id=by_evaluation[evaluation_id].institution_id,
            evaluation_id=evaluation_id,
            indicator_id=answer.indicator_id,
            entry=answer.entry,
            text=answer.recommendation.strip(),
        )
        for evaluation_id, rows in answers.items()
        for answer in counting_answers(rows).values()
        if answer.recommendation.strip()
        and (evaluation_id, answer.indicator_id, answer.entry) not in existing
    ]
    FollowUp.objects.bulk_create(items, batch_size=500)
    return len(items)


def _locked(follow_up: FollowUp) -> FollowUp:
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("evaluation")
        .get(pk=follow_up.pk)
    )


@transaction.atomic
def assign_follow_up(*, follow_up: FollowUp, by, owner, owner_unit: str, due_date) -> FollowUp:
    """Set who follows up (a unit and a person of the institution) and by when."""
    item = _locked(follow_up)
    require(can_assign_follow_up(by, item))
    if (
        owner is not None
        and not User.objects.filter(
            pk=owner.pk, institution_id=item.institution_id, is_active=True
        ).exists()
    ):
        raise ValidationError(OWNER_NOT_STAFF, code="owner")
    before = {
        "owner": item.owner_id,
        "owner_unit": item.owner_unit,
        "due_date": item.due_date.isoformat() if item.due_date else None,
    }
    item.owner = owner
    item.owner_unit = owner_unit.strip()
    item.due_date = due_date
    item.save(update_fields=["owner", "owner_unit", "due_date", "updated_at"])
    after = {
        "owner": item.owner_id,
        "owner_unit": item.owner_unit,
        "due_date": due_date.isoformat() if due_date else None,
    }
    record_event(
        action=AuditEvent.Action.FOLLOW_UP_ASSIGNED,
        actor=by,
        evaluation=item.evaluation,
        indicator=item.indicator,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return item


@transaction.atomic
def update_follow_up(*, follow_up: FollowUp, by, status: str, reason: str = "", note: str = ""):
    """Change the status (not applicable needs a reason) and/or add a progress note."""
    item = _locked(follow_up)
    require(can_update_follow_up(by, item))
    reason, note = reason.strip(), note.strip()
    text_limits.check(note, text_limits.EXPLANATION, field=_("Progress note"))
    text_limits.check(reason, text_limits.REASON, field=_("Reason"))
    if status == FollowUp.Status.NOT_APPLICABLE and not reason:
        raise ValidationError({"reason": REASON_REQUIRED}, code="reason")
    if status != FollowUp.Status.NOT_APPLICABLE:
        reason = ""
    if status == item.status and reason == item.reason and not note:
        raise ValidationError(NOTHING_CHANGED, code="unchanged")
    changes = {}
    if status != item.status:
        changes["status"] = [item.status, status]
    if reason != item.reason:
        changes["reason"] = [item.reason, reason]
    item.status, item.reason = status, reason
    item.save(update_fields=["status", "reason", "updated_at"])
    if note:
        FollowUpNote.objects.create(follow_up=item, author=by, text=note)
    record_event(
        action=AuditEvent.Action.FOLLOW_UP_UPDATED,
        actor=by,
        evaluation=item.evaluation,
        indicator=item.indicator,
        changes=changes,
        note=text_limits.for_audit(note),
    )
    return item
