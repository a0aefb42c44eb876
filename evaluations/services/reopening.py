"""Returning a submitted evaluation to the institution: the ministry's return and the
assessor's clarification request, whole or for named indicators, with an answer-by time
once the deadline has passed.

Until the institution submits again, the self-evaluation writes (`selfeval`) accept
changes only to what was reopened, and only until its answer-by time.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import deadlines
from evaluations.models import AuditEvent, Evaluation, Reopening
from evaluations.notifications import queue_email
from evaluations.permissions import can_request_clarification, can_return_evaluation, require
from evaluations.selectors.people import staff_emails_by_institution
from evaluations.selectors.selfeval import active_extension
from evaluations.services.core import _transition, record_event
from evaluations.services.selfeval import _lock

# --- Messages (tests import these) ---------------------------------------------------------

RETURN_NOT_SUBMITTED = _("Only a submitted evaluation can be returned.")
ALREADY_RETURNED = _("This evaluation has already been returned and is open for changes.")
RETURN_NEEDS_INDICATORS = _("Name the indicators to return, or return the whole evaluation.")
RETURN_NEEDS_REASON = _("Give the reason for the return.")
RETURN_NEEDS_DUE = _(
    "The deadline has passed: give the date and time by which the institution must answer."
)
RETURN_DUE_IN_PAST = _("The answer-by date must be in the future.")

# The audit action of each kind of reopening.
REOPENING_ACTIONS = {
    Reopening.Kind.RETURN: AuditEvent.Action.RETURNED,
    Reopening.Kind.CLARIFICATION: AuditEvent.Action.CLARIFICATION,
}


def _require_reopener(ev: Evaluation, by, kind: str) -> None:
    """A return is the ministry's; a clarification the assigned assessor's (or an admin's)."""
    if kind == Reopening.Kind.RETURN:
        require(can_return_evaluation(by, ev))
    elif kind == Reopening.Kind.CLARIFICATION:
        assigned = ev.assignments.filter(assessor=by).exists()
        require(can_request_clarification(by, ev, assigned=assigned))
    else:
        raise ValueError(f"unknown reopening kind {kind!r}")


def _check_reopening(ev, now, extension, *, reason, whole, indicators, due_at) -> None:
    """The state and the request: submitted (not already returned), a reason, what to
    reopen, and an answer-by moment in the future once the deadline has passed."""
    if ev.status == Evaluation.Status.RETURNED:
        raise ValidationError(ALREADY_RETURNED, code="already_returned")
    if not ev.can_transition_to(Evaluation.Status.RETURNED):
        raise ValidationError(RETURN_NOT_SUBMITTED, code="state")
    if not reason:
        raise ValidationError(RETURN_NEEDS_REASON, code="reason")
    if not whole and not indicators:
        raise ValidationError(RETURN_NEEDS_INDICATORS, code="indicators")
    if due_at is not None and due_at <= now:
        raise ValidationError(RETURN_DUE_IN_PAST, code="due")
    if due_at is None and not deadlines.is_open_for_writes(ev.period, now, extension):
        raise ValidationError(RETURN_NEEDS_DUE, code="due")


@transaction.atomic
def reopen_evaluation(
    *,
    evaluation: Evaluation,
    by,
    kind: str,
    reason: str,
    whole: bool = False,
    indicators=(),
    due_at=None,
    now=None,
) -> Reopening:
    """Return a submitted evaluation to the institution, whole or for named indicators.

    kind RETURN: a ministry admin. kind CLARIFICATION: an assessor assigned to the
    evaluation (or an admin). Preconditions: status submitted or under assessment; a
    reason; indicators or whole; after the deadline a future `due_at`.
    Side effects: a Reopening row; status -> RETURNED via _transition; audit event;
    email "evaluation_returned" to the institution's staff after commit.
    Until resubmission the institution may change only what was reopened.
    Raises PermissionDenied, ValidationError (ALREADY_RETURNED, RETURN_NOT_SUBMITTED, ...).
    """
    now = now or timezone.now()
    ev = _lock(evaluation)
    _require_reopener(ev, by, kind)
    reason = (reason or "").strip()
    indicators = [i for i in indicators if i.framework_id == ev.period.framework_id]
    extension = active_extension(ev.period, ev.institution_id)
    _check_reopening(
        ev, now, extension, reason=reason, whole=whole, indicators=indicators, due_at=due_at
    )
    reopening = Reopening.objects.create(
        evaluation=ev, kind=kind, whole=whole, reason=reason, due_at=due_at, requested_by=by
    )
    if not whole:
        reopening.indicators.set(indicators)
    numbers = sorted(i.number for i in indicators) if not whole else []
    _transition(
        evaluation=ev,
        to=Evaluation.Status.RETURNED,
        by=by,
        at=now,
        action=REOPENING_ACTIONS[kind],
        note=reason,
    )
    record_event(
        action=AuditEvent.Action.REOPENED,
        actor=by,
        evaluation=ev,
        changes={
            "whole": whole,
            "indicators": numbers,
            "due_at": due_at.isoformat() if due_at else None,
        },
        note=reason,
        at=now,
    )
    queue_email(
        name="evaluation_returned",
        to=staff_emails_by_institution([ev.institution_id]).get(ev.institution_id, []),
        context={
            "institution": ev.institution.display_name,
            "period": str(ev.period),
            "kind": Reopening.Kind(kind).label,
            "whole": whole,
            "numbers": numbers,
            "reason": reason,
            "due_at": timezone.localtime(due_at) if due_at else None,
            "deadline": timezone.localtime(deadlines.closes_at(ev.period, extension)),
            "url": reverse("evaluations:institution-dashboard"),
        },
    )
    return reopening
