"""The interview (and site visit) page: the assessor proposes times, reschedules and
records attendance and minutes; the institution picks a time; both see the schedule
and the record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations import deadlines
from evaluations.forms.meetings import SLOT_ROWS, ProposeForm, RecordForm, RescheduleForm
from evaluations.models import Meeting, MeetingSlot, Report
from evaluations.permissions import get_evaluation_for, is_assessor, is_institution_staff_of
from evaluations.selectors.agenda import agenda_items
from evaluations.selectors.meetings import meeting_for
from evaluations.services import meetings as services
from evaluations.views.common import _errors


def _kind(kind: str) -> str:
    if kind not in Meeting.Kind.values:
        raise Http404
    return kind


def _url(evaluation, kind) -> str:
    return reverse("evaluations:meeting", kwargs={"pk": evaluation.pk, "kind": kind})


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@login_required
def meeting_page(request, pk, kind):
    kind = _kind(kind)
    evaluation = get_evaluation_for(request, pk, need="view")
    meeting = meeting_for(evaluation, kind)
    minutes = None
    if meeting is not None and meeting.status == Meeting.Status.HELD:
        minutes = (
            Report.objects.filter(
                kind=Report.Kind.MINUTES, evaluation=evaluation, params__meeting=meeting.pk
            )
            .order_by("-requested_at")
            .first()
        )
    opens, closes = evaluation.period.stage_window(kind)
    return render(
        request,
        "evaluations/interviews/meeting.html",
        {
            "evaluation": evaluation,
            "kind": kind,
            "kind_label": Meeting.Kind(kind).label,
            "meeting": meeting,
            "minutes_report": minutes,
            "held": deadlines.holds_stage(evaluation.period, kind),
            "opens": opens,
            "closes": closes,
            "is_staff": is_institution_staff_of(request.user, evaluation),
            "is_assessor": is_assessor(request.user),
            "agenda": agenda_items(evaluation) if kind == Meeting.Kind.INTERVIEW else [],
            "slot_rows": range(1, SLOT_ROWS + 1),
        },
    )


@login_required
@require_POST
def meeting_propose(request, pk, kind):
    kind = _kind(kind)
    evaluation = get_evaluation_for(request, pk, need="score")
    form = ProposeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_url(evaluation, kind))
    try:
        services.propose_slots(
            evaluation=evaluation, kind=kind, by=request.user, slots=form.slots()
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The times are proposed; the institution has been told."))
    return redirect(_url(evaluation, kind))


@login_required
@require_POST
def meeting_choose(request, pk, kind, slot_pk):
    kind = _kind(kind)
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    slot = get_object_or_404(
        MeetingSlot.objects.select_related("meeting"),
        pk=slot_pk,
        meeting__evaluation=evaluation,
        meeting__kind=kind,
    )
    try:
        services.choose_slot(slot=slot, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("The time is chosen. Everyone gets an email with a calendar file.")
        )
    return redirect(_url(evaluation, kind))


def _assessor_meeting_post(request, pk, kind, form_class, action, success: str):
    """An assessor's change to a meeting (move it, record it): the form, the service
    with the form's values, and the outcome as a message on the meeting's page."""
    kind = _kind(kind)
    evaluation = get_evaluation_for(request, pk, need="score")
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_url(evaluation, kind))
    try:
        action(evaluation=evaluation, kind=kind, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, success)
    return redirect(_url(evaluation, kind))


@login_required
@require_POST
def meeting_reschedule(request, pk, kind):
    return _assessor_meeting_post(
        request,
        pk,
        kind,
        RescheduleForm,
        services.reschedule,
        _("The meeting is moved. Everyone gets the new time by email."),
    )


@login_required
@require_POST
def meeting_record(request, pk, kind):
    return _assessor_meeting_post(
        request,
        pk,
        kind,
        RecordForm,
        services.record_meeting,
        _("Attendance and minutes are recorded; the record is being prepared."),
    )
