"""Opening a period and changing who takes part in it.

Opening creates the period and the evaluation of every participating institution in one
transaction, records it in the audit trail and announces the period by email to each
institution's staff once the transaction has committed. An institution can be added to
an open period, or withdrawn while its evaluation has not started, with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import (
    AuditEvent,
    Evaluation,
    EvaluationPeriod,
    Framework,
    PeriodMode,
)
from evaluations.notifications import queue_email
from evaluations.permissions import can_manage_period
from evaluations.selectors.people import staff_emails_by_institution
from evaluations.selectors.periods import Selection, participants
from evaluations.services.core import record_event
from institutions.models import Institution

NAME_TAKEN = _("A period with this name already exists.")
NO_PARTICIPANTS = _("No active institution matches this choice: nothing would be opened.")
WINDOW_ORDER = _("“%(later)s” must be after “%(earlier)s”.")
WINDOW_INCOMPLETE = _("Give both the start and the end of the %(stage)s window.")
INTERVIEW_REQUIRED = _("An evaluation period needs the interview window.")
CLARIFICATION_EVALUATION_ONLY = _(
    "Only an evaluation period has a clarification window after the document assessment."
)
MONITORING_NO_INTERVIEW = _("A monitoring period has no interview and no site visit.")
REASON_REQUIRED = _("Give the reason.")
ALREADY_IN = _("%(institution)s already takes part in this period.")
NOT_ACTIVE = _("%(institution)s is not active.")
NOT_IN = _("%(institution)s does not take part in this period.")
ALREADY_STARTED = _(
    "%(institution)s has already started its self-evaluation: it can no longer be withdrawn."
)


@dataclass(frozen=True)
class PeriodSettings:
    """Everything about a period that the admin chooses, apart from who takes part."""

    name: str
    year: int
    framework: Framework
    mode: str
    opens_at: dt.datetime
    deadline: dt.datetime
    grace_minutes: int = 0
    document_deadline: dt.datetime | None = None
    clarification_closes_at: dt.datetime | None = None
    interview_opens_at: dt.datetime | None = None
    interview_closes_at: dt.datetime | None = None
    visit_opens_at: dt.datetime | None = None
    visit_closes_at: dt.datetime | None = None
    review_opens_at: dt.datetime | None = None
    review_closes_at: dt.datetime | None = None
    reminder_offsets_days: tuple[int, ...] = (14, 7, 3, 1)


# (field, label) in the order the stages follow one another.
STAGE_LABELS = {
    "opens_at": _("self-assessment opens"),
    "deadline": _("self-assessment deadline"),
    "document_deadline": _("document assessment deadline"),
    "clarification_closes_at": _("clarification window closes"),
    "interview_opens_at": _("interviews open"),
    "interview_closes_at": _("interviews close"),
    "visit_opens_at": _("site visits open"),
    "visit_closes_at": _("site visits close"),
    "review_opens_at": _("ministry review opens"),
    "review_closes_at": _("ministry review closes"),
}
PAIRS = (
    ("interview_opens_at", "interview_closes_at", _("interview")),
    ("visit_opens_at", "visit_closes_at", _("site visit")),
    ("review_opens_at", "review_closes_at", _("ministry review")),
)


# The stages in the order they follow one another; the moments of one group (the
# interviews closing, the visits opening) may fall in either order.
STAGE_CHAIN = (
    ("opens_at",),
    ("deadline",),
    ("document_deadline",),
    ("interview_opens_at",),
    ("interview_closes_at", "visit_opens_at"),
    ("visit_closes_at",),
    ("review_opens_at",),
    ("review_closes_at",),
)


def _incomplete_windows(s: PeriodSettings) -> list[tuple[str, str]]:
    """(field, message) for each window with one end set and the other left empty."""
    errors = []
    for opens, closes, stage in PAIRS:
        if (getattr(s, opens) is None) != (getattr(s, closes) is None):
            missing = closes if getattr(s, closes) is None else opens
            errors.append((missing, WINDOW_INCOMPLETE % {"stage": stage}))
    return errors


def _mode_errors(s: PeriodSettings) -> list[tuple[str, str]]:
    """An evaluation needs interviews; a monitoring period has neither interviews nor visits."""
    if s.mode == PeriodMode.EVALUATION and s.interview_opens_at is None:
        return [("interview_opens_at", INTERVIEW_REQUIRED)]
    if s.mode == PeriodMode.MONITORING and (
        s.interview_opens_at or s.interview_closes_at or s.visit_opens_at or s.visit_closes_at
    ):
        return [("interview_opens_at", MONITORING_NO_INTERVIEW)]
    return []


def _order_errors(s: PeriodSettings) -> list[tuple[str, str]]:
    """(field, message) for each set moment not after the latest moment of the stage before.

    Pairwise on the chain: a stage left empty is skipped, so the comparison is with the
    last stage that is set.
    """
    errors = []
    previous = None
    for group in STAGE_CHAIN:
        present = [n for n in group if getattr(s, n) is not None]
        for name in present:
            if previous is not None and getattr(s, name) <= getattr(s, previous):
                labels = {"later": STAGE_LABELS[name], "earlier": STAGE_LABELS[previous]}
                errors.append((name, WINDOW_ORDER % labels))
        if present:
            previous = max(present, key=lambda n: getattr(s, n))
    return errors


def _clarification_errors(s: PeriodSettings) -> list[tuple[str, str]]:
    """The clarification window follows the document assessment; it may run alongside the
    interviews (institutions bring missing evidence while interviews are held)."""
    if s.clarification_closes_at is None:
        return []
    if s.mode != PeriodMode.EVALUATION:
        return [("clarification_closes_at", CLARIFICATION_EVALUATION_ONLY)]
    if s.document_deadline is None or s.clarification_closes_at <= s.document_deadline:
        labels = {
            "later": STAGE_LABELS["clarification_closes_at"],
            "earlier": STAGE_LABELS["document_deadline"],
        }
        return [("clarification_closes_at", WINDOW_ORDER % labels)]
    return []


def check_windows(s: PeriodSettings) -> dict[str, list]:
    """The errors of the stage windows, by field: each stage starts after the one before.

    The interview follows the document assessment, a visit starts no earlier than the
    interviews, and the ministry review comes after every assessment stage.
    """
    errors: dict[str, list] = {}
    found = _incomplete_windows(s) + _mode_errors(s) + _order_errors(s) + _clarification_errors(s)
    for name, message in found:
        errors.setdefault(name, []).append(message)
    return errors


def _announce(*, period: EvaluationPeriod, institution_ids: list[int]) -> int:
    """Queue the period's announcement to the staff of each institution (after commit).

    Returns how many institutions have someone to write to.
    """
    recipients = staff_emails_by_institution(institution_ids)
    names = dict(Institution.objects.filter(pk__in=recipients).values_list("pk", "name"))
    for inst_id, emails in recipients.items():
        queue_email(
            name="period_opened",
            to=emails,
            context={"period": period, "institution_name": names.get(inst_id, "")},
        )
    return len(recipients)


@transaction.atomic
def open_period(*, by, settings: PeriodSettings, selection: Selection) -> EvaluationPeriod:
    """Create and open a period: its evaluations, the audit event, the announcements."""
    if not can_manage_period(by):
        raise PermissionDenied
    errors = check_windows(settings)
    if errors:
        raise ValidationError(errors)
    if EvaluationPeriod.objects.filter(name=settings.name).exists():
        raise ValidationError({"name": [NAME_TAKEN]})
    institution_ids = list(participants(selection).values_list("pk", flat=True))
    if not institution_ids:
        raise ValidationError(NO_PARTICIPANTS)
    now = timezone.now()
    period = EvaluationPeriod(
        name=settings.name,
        year=settings.year,
        framework=settings.framework,
        mode=settings.mode,
        opens_at=settings.opens_at,
        deadline=settings.deadline,
        grace_minutes=settings.grace_minutes,
        document_deadline=settings.document_deadline,
        clarification_closes_at=settings.clarification_closes_at,
        interview_opens_at=settings.interview_opens_at,
        interview_closes_at=settings.interview_closes_at,
        visit_opens_at=settings.visit_opens_at,
        visit_closes_at=settings.visit_closes_at,
        review_opens_at=settings.review_opens_at,
        review_closes_at=settings.review_closes_at,
        reminder_offsets_days=list(settings.reminder_offsets_days),
        participation=selection.as_dict(),
        opened_at=now,
    )
    try:
        # Two admins opening the same name at once: the unique constraint decides, and
        # the second gets the same message as a name taken earlier.
        with transaction.atomic():
            period.save()
    except IntegrityError as exc:
        raise ValidationError({"name": [NAME_TAKEN]}) from exc
    Evaluation.objects.bulk_create(
        [Evaluation(institution_id=pk, period=period) for pk in institution_ids],
        batch_size=500,
    )
    announced = _announce(period=period, institution_ids=institution_ids)
    record_event(
        action=AuditEvent.Action.PERIOD_OPENED,
        actor=by,
        period=period,
        at=now,
        changes={
            "institutions": [None, len(institution_ids)],
            "announced_to": [None, announced],
            "mode": [None, settings.mode],
        },
    )
    return period


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    return reason


@transaction.atomic
def add_institution(
    *, by, period: EvaluationPeriod, institution: Institution, reason: str
) -> Evaluation:
    """Let one more institution take part in a period, and announce it to its staff."""
    if not can_manage_period(by):
        raise PermissionDenied
    reason = _require_reason(reason)
    period = EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
    institution = Institution.objects.get(pk=institution.pk)
    if not institution.is_active:
        raise ValidationError({"institution": [NOT_ACTIVE % {"institution": institution}]})
    if Evaluation.objects.filter(period=period, institution=institution).exists():
        raise ValidationError({"institution": [ALREADY_IN % {"institution": institution}]})
    evaluation = Evaluation.objects.create(period=period, institution=institution)
    _announce(period=period, institution_ids=[institution.pk])
    record_event(
        action=AuditEvent.Action.PERIOD_INSTITUTION_ADDED,
        actor=by,
        evaluation=evaluation,
        note=reason,
    )
    return evaluation


@transaction.atomic
def withdraw_institution(
    *, by, period: EvaluationPeriod, institution: Institution, reason: str
) -> None:
    """Take an institution out of a period while its evaluation has not started.

    The evaluation row goes (it holds nothing yet); the audit trail keeps its earlier
    events, now attached to the period and institution only, and the withdrawal itself.
    """
    if not can_manage_period(by):
        raise PermissionDenied
    reason = _require_reason(reason)
    EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
    evaluation = (
        Evaluation.objects.select_for_update()
        .filter(period=period, institution=institution)
        .first()
    )
    if evaluation is None:
        raise ValidationError({"institution": [NOT_IN % {"institution": institution}]})
    started = (
        evaluation.status != Evaluation.Status.NOT_STARTED
        or evaluation.answers.exists()
        or evaluation.evidence.exists()
        or evaluation.assignments.exists()
    )
    if started:
        raise ValidationError({"institution": [ALREADY_STARTED % {"institution": institution}]})
    AuditEvent.objects.filter(evaluation=evaluation).update(evaluation=None)
    evaluation.delete()
    record_event(
        action=AuditEvent.Action.PERIOD_INSTITUTION_WITHDRAWN,
        actor=by,
        period=period,
        institution=institution,
        note=reason,
    )
