"""Writes of the ministry monitoring area: deadline reminders, extensions, data exports.

Reminders: the hourly beat task calls `send_deadline_reminders(now=...)`. For every
evaluation not yet submitted it finds the smallest reminder offset whose moment
(its own, possibly extended, deadline minus the offset) has passed, and claims a
Reminder row for (evaluation, offset, deadline) by insert: the unique constraint
makes a second run, a second worker or a re-delivered task send nothing. An
extension changes the deadline, so the reminders for the new one become due; a
submission takes the evaluation out of the set.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from evaluations import deadlines, exports
from evaluations.models import AuditEvent, Evaluation, EvaluationPeriod, Extension, Reminder, Report
from evaluations.notifications import queue_email
from evaluations.permissions import can_manage_period
from evaluations.selectors.monitoring import (
    NOT_SUBMITTED,
    WIB,
    indicator_total_for,
)
from evaluations.selectors.people import staff_emails_by_institution
from evaluations.services.core import record_event
from evaluations.services.report_state import (
    claim_report,
    fail_report,
    finish_report,
    set_report_progress,
)

logger = logging.getLogger(__name__)

EXTENSION_NOT_AFTER_DEADLINE = _("The new deadline must be after the period's deadline.")
EXTENSION_REASON_REQUIRED = _("Give the reason for the extension.")
EXTENSION_SAME_DEADLINE = _("The institution already has this deadline.")
EXTENSION_ALREADY_REVOKED = _("This extension was already revoked.")
REMINDER_ALREADY_SUBMITTED = _("This institution has already submitted.")
EXPORT_UNKNOWN = _("Unknown export.")

EXPORT_DATASETS = ("progress", "answers", "results")
EXPORT_FORMATS = ("csv", "xlsx")


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------


def due_offset(*, offsets: list[int], deadline: dt.datetime, now: dt.datetime) -> int | None:
    """The reminder offset due at `now` for `deadline`: the smallest offset whose moment
    has passed, or None (before the first one, or once the deadline has passed)."""
    if now >= deadline:
        return None
    due = [o for o in offsets if now >= deadline - dt.timedelta(days=o)]
    return min(due) if due else None


def _left_summary(ev: Evaluation, indicator_total: int) -> dict:
    unanswered = max(indicator_total - ev.answered_count, 0)
    without_evidence = max(indicator_total - ev.evidenced_count, 0)
    return {
        "indicator_total": indicator_total,
        "answered": ev.answered_count,
        "unanswered": unanswered,
        "without_evidence": without_evidence,
    }


def _send_one(
    *,
    ev: Evaluation,
    deadline: dt.datetime,
    offset: int | None,
    recipients: list[str],
    indicator_total: int,
    now: dt.datetime,
    by=None,
) -> Reminder | None:
    """Claim the Reminder row by insert and queue the email after commit.

    Returns None when the row already exists (sent before): nothing is sent.
    """
    left = _left_summary(ev, indicator_total)
    summary = (
        gettext(
            "%(unanswered)s indicators unanswered, %(without_evidence)s indicators without evidence"
        )
        % left
    )
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                evaluation=ev,
                offset_days=offset,
                deadline=deadline,
                sent_at=now,
                sent_by=by if getattr(by, "is_authenticated", False) else None,
                recipients=recipients,
                summary=summary,
            )
            record_event(
                action=AuditEvent.Action.REMINDER_SENT,
                actor=by,
                evaluation=ev,
                changes={"offset_days": [None, offset], "recipients": [None, len(recipients)]},
                note=summary,
                at=now,
            )
            queue_email(
                name="deadline_reminder",
                to=recipients,
                context={
                    "institution": ev.institution.name,
                    "period": ev.period.name,
                    "deadline": deadline.astimezone(WIB),
                    "days_left": max((deadline - now).days, 0),
                    "offset": offset,
                    "manual": offset is None,
                    **left,
                },
                language="id",
            )
    except IntegrityError:
        # Another run claimed this (evaluation, offset, deadline): it was sent already.
        return None
    return reminder


def send_deadline_reminders(*, now: dt.datetime | None = None) -> int:
    """Send the reminders due at `now` in every open period; returns how many were sent.

    Idempotent: each (evaluation, offset, deadline) is claimed once by insert.
    Side effects: a Reminder row, an AuditEvent and one email per evaluation reminded.
    """
    now = now or timezone.now()
    sent = 0
    for period in EvaluationPeriod.objects.filter(opens_at__lte=now).select_related("framework"):
        offsets = period.default_reminder_offsets
        horizon = now + dt.timedelta(days=max(offsets))
        evaluations = list(
            deadlines.annotate_deadline(
                Evaluation.objects.filter(period=period, status__in=NOT_SUBMITTED)
            )
            .filter(effective_deadline__gt=now, effective_deadline__lte=horizon)
            .select_related("institution", "period")
        )
        if not evaluations:
            continue
        due = []
        for ev in evaluations:
            offset = due_offset(offsets=offsets, deadline=ev.effective_deadline, now=now)
            if offset is not None:
                due.append((ev, offset))
        if not due:
            continue
        already = set(
            Reminder.objects.filter(
                evaluation_id__in=[ev.pk for ev, _o in due], offset_days__isnull=False
            ).values_list("evaluation_id", "offset_days", "deadline")
        )
        indicator_total = indicator_total_for(period)
        recipients = staff_emails_by_institution(ev.institution_id for ev, _o in due)
        for ev, offset in due:
            if (ev.pk, offset, ev.effective_deadline) in already:
                continue
            if _send_one(
                ev=ev,
                deadline=ev.effective_deadline,
                offset=offset,
                recipients=recipients.get(ev.institution_id, []),
                indicator_total=indicator_total,
                now=now,
            ):
                sent += 1
    return sent


def send_reminders_now(*, evaluations: QuerySet[Evaluation], by, now=None) -> int:
    """Send a reminder now (by hand) to each not-yet-submitted evaluation of `evaluations`.

    Already submitted ones are skipped. Returns how many were sent.
    Raises PermissionDenied unless `by` is a ministry admin.
    """
    if not can_manage_period(by):
        raise PermissionDenied
    now = now or timezone.now()
    targets = list(
        deadlines.annotate_deadline(evaluations.filter(status__in=NOT_SUBMITTED)).select_related(
            "institution", "period"
        )
    )
    if not targets:
        return 0
    recipients = staff_emails_by_institution({ev.institution_id for ev in targets})
    totals: dict[int, int] = {}
    sent = 0
    for ev in targets:
        if ev.period_id not in totals:
            totals[ev.period_id] = indicator_total_for(ev.period)
        if _send_one(
            ev=ev,
            deadline=ev.effective_deadline,
            offset=None,
            recipients=recipients.get(ev.institution_id, []),
            indicator_total=totals[ev.period_id],
            now=now,
            by=by,
        ):
            sent += 1
    return sent


# ---------------------------------------------------------------------------
# Extensions
# ---------------------------------------------------------------------------


@transaction.atomic
def grant_extension(*, period, institution, new_deadline: dt.datetime, reason: str, by):
    """Grant an institution a later deadline, or change the one it has.

    Locks the institution's evaluation row so two admins cannot both create
    an active extension. Audits old -> new deadline ("extension.granted" or
    "extension.changed"). Returns (extension, created).
    Raises PermissionDenied (not an admin) and ValidationError (no reason, a deadline
    not after the period's, or the same deadline as now).
    """
    if not can_manage_period(by):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(EXTENSION_REASON_REQUIRED, code="reason")
    if new_deadline <= period.deadline:
        raise ValidationError(EXTENSION_NOT_AFTER_DEADLINE, code="deadline")
    evaluation = (
        Evaluation.objects.select_for_update()
        .filter(period=period, institution=institution)
        .first()
    )
    active = (
        Extension.objects.select_for_update()
        .filter(period=period, institution=institution, revoked_at__isnull=True)
        .first()
    )
    old = active.new_deadline if active else period.deadline
    if old == new_deadline:
        raise ValidationError(EXTENSION_SAME_DEADLINE, code="same")
    if active:
        active.new_deadline = new_deadline
        active.reason = reason
        active.granted_by = by
        active.save(update_fields=["new_deadline", "reason", "granted_by"])
        extension, created, action = active, False, AuditEvent.Action.EXTENSION_CHANGED
    else:
        extension = Extension(
            period=period,
            institution=institution,
            new_deadline=new_deadline,
            reason=reason,
            granted_by=by,
        )
        extension.full_clean()
        extension.save()
        created, action = True, AuditEvent.Action.EXTENSION_GRANTED
    record_event(
        action=action,
        actor=by,
        evaluation=evaluation,
        period=period,
        institution=institution,
        changes={"deadline": [old.isoformat(), new_deadline.isoformat()]},
        note=reason,
    )
    return extension, created


@transaction.atomic
def revoke_extension(*, extension: Extension, by, reason: str) -> Extension:
    """Revoke an active extension: the institution is back on the period's deadline.

    Audits "extension.revoked" with old -> new deadline. Raises PermissionDenied (not
    an admin), ValidationError (no reason, or already revoked).
    """
    if not can_manage_period(by):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(EXTENSION_REASON_REQUIRED, code="reason")
    extension = Extension.objects.select_for_update().select_related("period").get(pk=extension.pk)
    if extension.revoked_at is not None:
        raise ValidationError(EXTENSION_ALREADY_REVOKED, code="revoked")
    extension.revoked_at = timezone.now()
    extension.save(update_fields=["revoked_at"])
    evaluation = Evaluation.objects.filter(
        period_id=extension.period_id, institution_id=extension.institution_id
    ).first()
    record_event(
        action=AuditEvent.Action.EXTENSION_REVOKED,
        actor=by,
        evaluation=evaluation,
        period=extension.period,
        institution=extension.institution,
        changes={
            "deadline": [
                extension.new_deadline.isoformat(),
                extension.period.deadline.isoformat(),
            ]
        },
        note=reason,
    )
    return extension


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


@transaction.atomic
def request_export(*, period, dataset: str, fmt: str, by) -> Report:
    """Queue a data export (answers or results, CSV or XLSX) built by a Celery task.

    Side effects: a QUEUED Report row (kind EXPORT) and the task after commit.
    Raises PermissionDenied (not an admin), ValidationError (unknown dataset/format).
    """
    if not can_manage_period(by):
        raise PermissionDenied
    if dataset not in EXPORT_DATASETS or fmt not in EXPORT_FORMATS:
        raise ValidationError(EXPORT_UNKNOWN, code="unknown")
    report = Report.objects.create(
        kind=Report.Kind.EXPORT,
        period=period,
        format=fmt,
        params={"dataset": dataset},
        requested_by=by,
    )
    from evaluations.dispatch import enqueue
    from evaluations.tasks.monitoring import build_export_task

    enqueue(build_export_task, report_id=report.pk)
    return report


def build_export(*, report_id: int) -> Report | None:
    """Build the file of a queued export: claim, write rows with progress, finish.

    Returns the READY report, or None when another run has it. A failure marks the
    report FAILED with the error and re-raises.
    """
    report = claim_report(report_id=report_id)
    if report is None:
        return None
    try:
        dataset = report.params.get("dataset", "")
        period = EvaluationPeriod.objects.select_related("framework").get(pk=report.period_id)
        total = Evaluation.objects.filter(period=period).count()
        set_report_progress(report_id=report.pk, done=0, total=total)
        # finish_report saves the whole row: keep the total in memory too, so the
        # progress written by UPDATEs is not overwritten with zeros.
        report.progress_total = total

        def progress(done: int) -> None:
            set_report_progress(report_id=report.pk, done=done)

        table = exports.build_table(dataset, period=period, progress=progress)
        content = exports.render(table, fmt=report.format)
        filename = exports.filename_for(dataset, period=period, fmt=report.format)
        return finish_report(report=report, content=content, filename=filename)
    except Exception as exc:
        logger.exception("export %s failed", report_id)
        fail_report(report_id=report_id, error=str(exc) or exc.__class__.__name__)
        raise
