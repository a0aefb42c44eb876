"""Interviews and site visits: the assessor proposes times, the institution picks one,
both sides get an email with a calendar file; a reminder the day before, claimed once;
a reschedule with a reason; attendance and minutes, rendered in the background as the
record of the meeting (berita acara). Every change is audited in the same transaction.

Only a period that holds the stage (`deadlines.holds_stage`) has such meetings, and a
meeting's time lies inside the stage's window.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from evaluations import deadlines, ics, text_limits
from evaluations.models import (
    AssessorAssignment,
    AuditEvent,
    Evaluation,
    Meeting,
    MeetingSlot,
    Report,
)
from evaluations.notifications import queue_email
from evaluations.permissions import can_coordinate, is_institution_staff_of, require
from evaluations.selectors.people import staff_emails_by_institution
from evaluations.services.assessment import STAGE_SCORABLE, _lock_for_assessor
from evaluations.services.core import record_event
from evaluations.wib import format_wib

NOT_HELD = _("This period holds no %(stage)s.")
NO_SLOTS = _("Propose at least one time.")
TOO_MANY_SLOTS = _("Propose at most %(count)s times.")
SLOT_ORDER = _("A time must end after it starts.")
SLOT_IN_PAST = _("A proposed time must lie in the future.")
SLOT_OUTSIDE = _("Every time must lie inside the %(stage)s window (%(opens)s to %(closes)s).")
LOCATION_REQUIRED = _("Give the meeting link or the place.")
NOT_PROPOSABLE = _("This meeting is already %(status)s: reschedule it instead.")
NOT_PROPOSED = _("No time is waiting to be chosen.")
NOT_SCHEDULED = _("Only a scheduled meeting can be rescheduled or recorded.")
REASON_REQUIRED = _("Give the reason.")
ATTENDANCE_REQUIRED = _("List who attended.")
MINUTES_REQUIRED = _("Write the minutes.")
NOT_IN_ASSESSMENT = _(
    "This evaluation is not between the document assessment and the approval (status: %(status)s)."
)
NOT_SELECTED = _("This institution has not been selected for a site visit.")
VISIT_REASON_REQUIRED = _("Say why this institution needs a site visit.")
MAX_SLOTS = 5
LOCATION_LENGTH = 500
REMIND_BEFORE = dt.timedelta(days=1)


def _stage_label(kind: str) -> str:
    return Meeting.Kind(kind).label.lower()


def _require_held(period, kind: str) -> None:
    if not deadlines.holds_stage(period, kind):
        raise ValidationError(NOT_HELD, params={"stage": _stage_label(kind)}, code="not_held")


def _require_in_assessment(evaluation) -> None:
    if evaluation.status not in STAGE_SCORABLE:
        raise ValidationError(
            NOT_IN_ASSESSMENT, params={"status": evaluation.get_status_display()}, code="status"
        )


def _check_time(period, kind: str, starts_at, ends_at, location: str, now) -> str:
    if ends_at <= starts_at:
        raise ValidationError(SLOT_ORDER, code="order")
    if starts_at <= now:
        raise ValidationError(SLOT_IN_PAST, code="past")
    opens, closes = period.stage_window(kind)
    if starts_at < opens or ends_at > closes + deadlines.ONE_SECOND:
        raise ValidationError(
            SLOT_OUTSIDE,
            params={
                "stage": _stage_label(kind),
                "opens": format_wib(opens, "minute"),
                "closes": format_wib(closes, "minute"),
            },
            code="outside",
        )
    location = (location or "").strip()
    if not location:
        raise ValidationError(LOCATION_REQUIRED, code="location")
    if len(location) > LOCATION_LENGTH:
        raise ValidationError(
            text_limits.TOO_LONG,
            params={"field": _("Meeting link or place"), "length": len(location), "limit": 500},
            code="too_long",
        )
    return location


def _lock_meeting(evaluation, kind: str) -> Meeting | None:
    return Meeting.objects.select_for_update().filter(evaluation=evaluation, kind=kind).first()


def _assessor_emails(evaluation) -> list[str]:
    return list(
        AssessorAssignment.objects.filter(evaluation=evaluation).values_list(
            "assessor__email", flat=True
        )
    )


def _institution_emails(evaluation) -> list[str]:
    return staff_emails_by_institution([evaluation.institution_id]).get(
        evaluation.institution_id, []
    )


def _mail_context(meeting: Meeting, **extra) -> dict:
    evaluation = meeting.evaluation
    return {
        "meeting": meeting,
        "kind": meeting.get_kind_display(),
        "kind_lower": _stage_label(meeting.kind),
        "institution": evaluation.institution.name,
        "period": evaluation.period.name,
        "url": reverse("evaluations:meeting", kwargs={"pk": evaluation.pk, "kind": meeting.kind}),
        **extra,
    }


def calendar_file(meeting: Meeting, now, language: str = "id") -> dict:
    """The .ics attachment of a scheduled meeting, its texts in `language`."""
    evaluation = meeting.evaluation
    with translation.override(language):
        summary = gettext("SPBE %(kind)s: %(institution)s") % {
            "kind": meeting.get_kind_display(),
            "institution": evaluation.institution.name,
        }
        description = gettext("%(period)s. Meeting link or place: %(location)s") % {
            "period": evaluation.period.name,
            "location": meeting.location,
        }
    return {
        "filename": f"spbe-{meeting.kind}-{meeting.pk}.ics",
        "content": ics.meeting_ics(meeting, summary=summary, description=description, now=now),
        "mimetype": "text/calendar; charset=utf-8; method=PUBLISH",
    }


def _announce_schedule(meeting: Meeting, now, *, reason: str = "") -> None:
    """Email both sides the time with the calendar file (after commit)."""
    evaluation = meeting.evaluation
    queue_email(
        name="meeting_scheduled",
        to=_institution_emails(evaluation) + _assessor_emails(evaluation),
        context=_mail_context(meeting, rescheduled=bool(reason), reason=reason),
        attachments=[calendar_file(meeting, now)],
    )


@transaction.atomic
def propose_slots(*, evaluation: Evaluation, kind: str, by, slots, now=None) -> Meeting:
    """Offer the institution up to MAX_SLOTS times (start, end, link or place) for the
    interview or the visit; a new proposal replaces one not yet chosen.

    Preconditions: `by` is assigned (else PermissionDenied); the period holds the stage;
    a visit needs the institution selected for it; the evaluation is under assessment
    or assessed; every time is in the future, inside the stage's window, with a
    location; the meeting is not yet scheduled. Side effects: MEETING_PROPOSED event;
    an email to the institution's staff.
    """
    now = now or timezone.now()
    ev = _lock_for_assessor(evaluation, by)
    _require_held(ev.period, kind)
    _require_in_assessment(ev)
    slots = list(slots)
    if not slots:
        raise ValidationError(NO_SLOTS, code="no_slots")
    if len(slots) > MAX_SLOTS:
        raise ValidationError(TOO_MANY_SLOTS, params={"count": MAX_SLOTS}, code="too_many")
    checked = [
        (starts, ends, _check_time(ev.period, kind, starts, ends, location, now))
        for starts, ends, location in slots
    ]
    meeting = _lock_meeting(ev, kind)
    if meeting is None:
        if kind == Meeting.Kind.VISIT:
            raise ValidationError(NOT_SELECTED, code="not_selected")
        meeting = Meeting.objects.create(evaluation=ev, kind=kind)
    elif meeting.status not in (Meeting.Status.SELECTED, Meeting.Status.PROPOSED):
        raise ValidationError(
            NOT_PROPOSABLE, params={"status": meeting.get_status_display().lower()}, code="state"
        )
    meeting.slots.all().delete()
    MeetingSlot.objects.bulk_create(
        [
            MeetingSlot(meeting=meeting, starts_at=s, ends_at=e, location=loc)
            for s, e, loc in checked
        ]
    )
    meeting.status = Meeting.Status.PROPOSED
    meeting.save(update_fields=["status"])
    record_event(
        action=AuditEvent.Action.MEETING_PROPOSED,
        actor=by,
        evaluation=ev,
        changes={
            "kind": kind,
            "slots": [
                [format_wib(s, "minute"), format_wib(e, "minute"), loc] for s, e, loc in checked
            ],
        },
        at=now,
    )
    meeting.evaluation = ev
    queue_email(
        name="meeting_proposed",
        to=_institution_emails(ev),
        context=_mail_context(meeting, slots=list(meeting.slots.all())),
    )
    return meeting


@transaction.atomic
def choose_slot(*, slot: MeetingSlot, by, now=None) -> Meeting:
    """The institution takes one of the proposed times.

    Preconditions: `by` is the institution's staff (else PermissionDenied); the meeting
    is waiting for a choice; the time is still in the future. Side effects: the meeting
    is scheduled; MEETING_SCHEDULED event; both sides emailed with the calendar file.
    A second click on the same time changes nothing.
    """
    now = now or timezone.now()
    ev = (
        Evaluation.objects.select_for_update()
        .select_related("institution", "period")
        .get(pk=slot.meeting.evaluation_id)
    )
    require(is_institution_staff_of(by, ev))
    meeting = _lock_meeting(ev, slot.meeting.kind)
    slot = MeetingSlot.objects.get(pk=slot.pk, meeting=meeting)
    if meeting.status == Meeting.Status.SCHEDULED and meeting.starts_at == slot.starts_at:
        return meeting
    if meeting.status != Meeting.Status.PROPOSED:
        raise ValidationError(NOT_PROPOSED, code="state")
    if slot.starts_at <= now:
        raise ValidationError(SLOT_IN_PAST, code="past")
    meeting.starts_at, meeting.ends_at, meeting.location = (
        slot.starts_at,
        slot.ends_at,
        slot.location,
    )
    meeting.status = Meeting.Status.SCHEDULED
    meeting.save()
    meeting.evaluation = ev
    record_event(
        action=AuditEvent.Action.MEETING_SCHEDULED,
        actor=by,
        evaluation=ev,
        changes={"kind": meeting.kind, "starts_at": format_wib(slot.starts_at, "minute")},
        at=now,
    )
    _announce_schedule(meeting, now)
    return meeting


@transaction.atomic
def reschedule(
    *,
    evaluation: Evaluation,
    kind: str,
    by,
    starts_at,
    ends_at,
    location: str,
    reason: str,
    now=None,
) -> Meeting:
    """Move a scheduled meeting, with a reason.

    Preconditions: `by` is assigned; the meeting is scheduled (not yet held); the new
    time is valid as a proposal is; a reason. Side effects: the calendar revision is
    raised (calendars replace the entry) and the reminder is due again for the new time;
    MEETING_RESCHEDULED event with the old and new times and the reason; both sides
    emailed with the updated calendar file.
    """
    now = now or timezone.now()
    ev = _lock_for_assessor(evaluation, by)
    _require_in_assessment(ev)
    meeting = _lock_meeting(ev, kind)
    if meeting is None or meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError(NOT_SCHEDULED, code="state")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(REASON_REQUIRED, code="reason")
    text_limits.check(reason, text_limits.REASON, _("Reason"))
    location = _check_time(ev.period, kind, starts_at, ends_at, location, now)
    old = [format_wib(meeting.starts_at, "minute"), meeting.location]
    meeting.starts_at, meeting.ends_at, meeting.location = starts_at, ends_at, location
    meeting.sequence += 1
    meeting.reminded_for = None
    meeting.save()
    meeting.evaluation = ev
    record_event(
        action=AuditEvent.Action.MEETING_RESCHEDULED,
        actor=by,
        evaluation=ev,
        changes={
            "kind": kind,
            "starts_at": [old[0], format_wib(starts_at, "minute")],
            "location": [old[1], location],
        },
        note=reason,
        at=now,
    )
    _announce_schedule(meeting, now, reason=reason)
    return meeting


@transaction.atomic
def record_meeting(
    *, evaluation: Evaluation, kind: str, by, attendance: str, minutes: str, now=None
) -> Meeting:
    """Record who attended and the minutes of a scheduled (or already recorded) meeting,
    and queue its record (berita acara) for rendering in the background.

    Preconditions: `by` is assigned; the meeting is scheduled or held and has started;
    attendance and minutes given. Side effects: status held; MEETING_RECORDED event; a
    MINUTES Report queued (a changed record renders a new numbered document).
    """
    from evaluations.services.reports import _queue

    now = now or timezone.now()
    ev = _lock_for_assessor(evaluation, by)
    _require_in_assessment(ev)
    meeting = _lock_meeting(ev, kind)
    if meeting is None or meeting.status not in (Meeting.Status.SCHEDULED, Meeting.Status.HELD):
        raise ValidationError(NOT_SCHEDULED, code="state")
    attendance, minutes = (attendance or "").strip(), (minutes or "").strip()
    if not attendance:
        raise ValidationError(ATTENDANCE_REQUIRED, code="attendance")
    if not minutes:
        raise ValidationError(MINUTES_REQUIRED, code="minutes")
    text_limits.check(attendance, text_limits.EXPLANATION, _("Attendance"))
    text_limits.check(minutes, text_limits.JUSTIFICATION, _("Minutes"))
    if meeting.status == Meeting.Status.HELD and (meeting.attendance, meeting.minutes) == (
        attendance,
        minutes,
    ):
        return meeting
    changes = text_limits.audit_changes(
        {"attendance": [meeting.attendance, attendance], "minutes": [meeting.minutes, minutes]}
    )
    meeting.attendance, meeting.minutes = attendance, minutes
    meeting.status = Meeting.Status.HELD
    meeting.held_at, meeting.recorded_by = now, by
    meeting.save()
    record_event(
        action=AuditEvent.Action.MEETING_RECORDED,
        actor=by,
        evaluation=ev,
        changes={"kind": kind, **changes},
        at=now,
    )
    existing = (
        Report.objects.select_for_update()
        .filter(kind=Report.Kind.MINUTES, evaluation=ev, params__meeting=meeting.pk)
        .first()
    )
    _queue(
        existing,
        by=by,
        kind=Report.Kind.MINUTES,
        evaluation=ev,
        period_id=ev.period_id,
        language="id",
        params={"meeting": meeting.pk},
    )
    return meeting


@transaction.atomic
def select_for_visit(*, evaluation: Evaluation, by, reason: str, now=None) -> Meeting:
    """Select an institution for a site visit, with the reason (the assessors need to
    validate further on site).

    Preconditions: `by` coordinates the evaluation's university or is a ministry admin
    (else PermissionDenied); the period holds site visits (evaluation mode, window set);
    the evaluation is under assessment or assessed; a reason. Side effects: a visit in
    state `selected`; VISIT_SELECTED event. Selecting again changes nothing.
    """
    now = now or timezone.now()
    ev = (
        Evaluation.objects.select_for_update()
        .select_related("period", "institution")
        .get(pk=evaluation.pk)
    )
    require(can_coordinate(by, ev.university_id))
    _require_held(ev.period, Meeting.Kind.VISIT)
    _require_in_assessment(ev)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(VISIT_REASON_REQUIRED, code="reason")
    text_limits.check(reason, text_limits.REASON, _("Reason"))
    meeting = _lock_meeting(ev, Meeting.Kind.VISIT)
    if meeting is not None:
        return meeting
    meeting = Meeting.objects.create(
        evaluation=ev,
        kind=Meeting.Kind.VISIT,
        status=Meeting.Status.SELECTED,
        selection_reason=reason,
        selected_by=by,
    )
    record_event(
        action=AuditEvent.Action.VISIT_SELECTED,
        actor=by,
        evaluation=ev,
        changes={"reason": [None, text_limits.for_audit(reason)]},
        at=now,
    )
    return meeting


def send_meeting_reminders(*, now=None) -> int:
    """Email both sides of every meeting that starts within a day (beat, hourly).

    Each meeting is claimed by a conditional update on `reminded_for` (the start time
    reminded), so two runs never send twice and a rescheduled meeting is reminded again.
    Returns how many were sent.
    """
    now = now or timezone.now()
    due = list(
        Meeting.objects.filter(
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + REMIND_BEFORE,
        )
        .exclude(reminded_for=F("starts_at"))
        .select_related("evaluation__institution", "evaluation__period")
    )
    sent = 0
    for meeting in due:
        with transaction.atomic():
            claimed = (
                Meeting.objects.filter(pk=meeting.pk, starts_at=meeting.starts_at)
                .exclude(reminded_for=meeting.starts_at)
                .update(reminded_for=meeting.starts_at)
            )
            if not claimed:
                continue
            evaluation = meeting.evaluation
            queue_email(
                name="meeting_reminder",
                to=_institution_emails(evaluation) + _assessor_emails(evaluation),
                context=_mail_context(meeting),
            )
            record_event(
                action=AuditEvent.Action.MEETING_REMINDED,
                evaluation=evaluation,
                changes={
                    "kind": meeting.kind,
                    "starts_at": format_wib(meeting.starts_at, "minute"),
                },
                at=now,
            )
            sent += 1
    return sent
