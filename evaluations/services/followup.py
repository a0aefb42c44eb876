"""Follow-up of released recommendations: created at release, assigned by the
institution's supervisor, progressed by its staff. Every write is audited."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.models import Answer, AuditEvent, FollowUp, FollowUpNote
from evaluations.notifications import queue_email
from evaluations.permissions import can_assign_follow_up, can_update_follow_up, require
from evaluations.scoring import final_reasons
from evaluations.services.core import record_event
from evaluations.wib import to_wib
from institutions.models import Role, User

OWNER_NOT_STAFF = _("The responsible person must be active staff of this institution.")
REASON_REQUIRED = _("Give the reason why this recommendation does not apply.")
NOTHING_CHANGED = _("Nothing to save: change the status or write a progress note.")


def create_follow_ups(*, evaluations) -> int:
    """One follow-up item per recommendation shown with the final levels of `evaluations`
    (just released; `scoring.final_reasons`, as the result page and the report). Called
    inside the release transaction; a second call adds nothing.
    """
    by_evaluation = {ev.pk: ev for ev in evaluations}
    answers = defaultdict(list)
    for answer in Answer.objects.filter(evaluation_id__in=list(by_evaluation)).only(
        "evaluation_id",
        "indicator_id",
        "entry",
        "phase",
        "level",
        "recommendation",
        "note",
        "facts",
        "analysis",
        "justification",
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
            indicator_id=indicator_id,
            entry=entry,
            text=reasons.recommendation.strip(),
        )
        for evaluation_id, rows in answers.items()
        for (indicator_id, entry), reasons in final_reasons(rows).items()
        if reasons.recommendation.strip() and (evaluation_id, indicator_id, entry) not in existing
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


# Days before the due date at which the responsible person is reminded.
REMINDER_DAYS = 7
PENDING = (FollowUp.Status.OPEN, FollowUp.Status.IN_PROGRESS)


@transaction.atomic
def send_follow_up_reminders(*, now=None) -> int:
    """Remind the owners (else the supervisors) of pending items due within
    REMINDER_DAYS. Each item is claimed once per due date: the rows are locked
    (skipping those another run holds) and marked in one update before the emails are
    queued, which go out after commit. Returns how many items were reminded."""
    today = to_wib(now or timezone.now()).date()
    items = list(
        FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            status__in=PENDING,
            due_date__gte=today,
            due_date__lte=today + dt.timedelta(days=REMINDER_DAYS),
        )
        .exclude(reminded_for=F("due_date"))
        .select_related("institution", "indicator", "owner", "evaluation")
    )
    if not items:
        return 0
    FollowUp.objects.filter(pk__in=[i.pk for i in items]).update(reminded_for=F("due_date"))
    supervisors = defaultdict(list)
    for institution_id, email in User.objects.filter(
        role=Role.SUPERVISOR,
        institution_id__in={i.institution_id for i in items},
        is_active=True,
    ).values_list("institution_id", "email"):
        supervisors[institution_id].append(email)
    for item in items:
        owner = item.owner if item.owner and item.owner.is_active else None
        recipients = [owner.email] if owner else supervisors[item.institution_id]
        record_event(
            action=AuditEvent.Action.FOLLOW_UP_REMINDED,
            evaluation=item.evaluation,
            indicator=item.indicator,
            changes={"due_date": [None, item.due_date.isoformat()]},
            note=", ".join(recipients),
        )
        queue_email(
            name="follow_up_reminder",
            to=recipients,
            context={
                "institution": item.institution.name,
                "indicator": f"{item.indicator.number}. {item.indicator.name}",
                "text": item.text,
                "due_date": item.due_date,
                "days_left": (item.due_date - today).days,
            },
        )
    return len(items)
