"""Interviews: times proposed inside the window, one chosen by the institution, both
sides emailed a calendar file (its content checked), the day-before reminder claimed
once, a reschedule with its reason audited, attendance and minutes rendered as a
numbered PDF record read back with pypdf; and the pages."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from evaluations import ics
from evaluations.models import AuditEvent, Evaluation, Meeting, PeriodMode, Report
from evaluations.services import meetings as svc
from evaluations.services import reports as report_services
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import small_framework, submit

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://spbe.example.go.id"


@pytest.fixture
def at_interview(evaluation, assessor, operator, supervisor):
    period = evaluation.period
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at = NOW - dt.timedelta(days=1)
    period.interview_closes_at = NOW + dt.timedelta(days=10)
    period.save()
    indicators = small_framework(period.framework)
    submit(evaluation, indicators=indicators)
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.UNDER_ASSESSMENT)
    evaluation.refresh_from_db()
    assessor.email = "asesor@univ.ac.id"
    assessor.save()
    operator.email = "op@instansi.go.id"
    operator.save()
    return evaluation


def _propose(evaluation, assessor, start=NOW + dt.timedelta(days=2)):
    return svc.propose_slots(
        evaluation=evaluation,
        kind="interview",
        by=assessor,
        slots=[
            (start, start + 2 * HOUR, "https://zoom.example/j/123"),
            (start + dt.timedelta(days=1), start + dt.timedelta(days=1, hours=2), "Ruang 2"),
        ],
    )


def test_times_outside_the_window_or_past_are_refused(at_interview, assessor):
    for start, code in (
        (NOW - HOUR, "past"),
        (NOW + dt.timedelta(days=11), "outside"),
    ):
        with pytest.raises(ValidationError) as exc:
            _propose(at_interview, assessor, start=start)
        assert exc.value.code == code
    assert not Meeting.objects.exists()


def test_a_monitoring_period_holds_no_interview(evaluation, assessor):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.UNDER_ASSESSMENT)
    evaluation.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        _propose(evaluation, assessor)
    assert exc.value.code == "not_held"


def test_choosing_a_time_schedules_it_and_mails_both_sides_a_calendar_file(
    at_interview, assessor, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _propose(at_interview, assessor)
    assert meeting.status == Meeting.Status.PROPOSED
    (proposal,) = mail.outbox
    assert "op@instansi.go.id" in proposal.to and "asesor@univ.ac.id" not in proposal.to
    mail.outbox.clear()

    slot = meeting.slots.order_by("starts_at").first()
    with pytest.raises(PermissionDenied):
        svc.choose_slot(slot=slot, by=assessor)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = svc.choose_slot(slot=slot, by=operator)
    assert meeting.status == Meeting.Status.SCHEDULED
    assert meeting.starts_at == slot.starts_at
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert {"op@instansi.go.id", "asesor@univ.ac.id"} <= set(message.to)
    assert "https://zoom.example/j/123" in message.body
    ((filename, content, mimetype),) = message.attachments
    assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
    assert "BEGIN:VEVENT" in content
    assert f"DTSTART:{slot.starts_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in content
    # Choosing again changes nothing and sends nothing.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.choose_slot(slot=slot, by=operator)
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEETING_SCHEDULED).count() == 1


def test_the_calendar_file_follows_rfc_5545(at_interview, assessor, operator):
    meeting = _propose(at_interview, assessor)
    meeting = svc.choose_slot(slot=meeting.slots.order_by("starts_at").first(), by=operator)
    meeting.location = "https://zoom.example/j/123?pwd=a,b;c"
    stamp = dt.datetime(2026, 9, 20, 1, 2, 3, tzinfo=dt.UTC)
    text = ics.meeting_ics(
        meeting, summary="Interviu SPBE: Kota X", description="Baris 1\nBaris 2, " * 6, now=stamp
    )
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    lines = text.split("\r\n")
    assert f"UID:meeting-{meeting.pk}@spbe.example.go.id" in lines
    assert "DTSTAMP:20260920T010203Z" in lines
    assert "SEQUENCE:0" in lines
    assert "LOCATION:https://zoom.example/j/123?pwd=a\\,b\\;c" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:Baris 1\\nBaris 2\\, Baris 1" in unfolded
    assert text.count("BEGIN:VEVENT") == 1


def test_a_reschedule_needs_a_reason_raises_the_revision_and_is_audited(
    at_interview, assessor, operator, django_capture_on_commit_callbacks
):
    meeting = _propose(at_interview, assessor)
    svc.choose_slot(slot=meeting.slots.order_by("starts_at").first(), by=operator)
    new_start = NOW + dt.timedelta(days=5)
    kwargs = {
        "evaluation": at_interview,
        "kind": "interview",
        "by": assessor,
        "starts_at": new_start,
        "ends_at": new_start + HOUR,
        "location": "https://meet.example/abc",
    }
    with pytest.raises(ValidationError) as exc:
        svc.reschedule(**kwargs, reason=" ")
    assert exc.value.code == "reason"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = svc.reschedule(**kwargs, reason="Kepala dinas dinas luar.")
    assert (meeting.sequence, meeting.starts_at) == (1, new_start)
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEETING_RESCHEDULED)
    assert event.note == "Kepala dinas dinas luar."
    assert event.changes["location"] == ["https://zoom.example/j/123", "https://meet.example/abc"]
    (message,) = mail.outbox
    assert "Kepala dinas dinas luar." in message.body
    assert "SEQUENCE:1" in message.attachments[0][1]


def test_the_reminder_the_day_before_is_sent_once_per_start_time(
    at_interview, assessor, operator, django_capture_on_commit_callbacks
):
    meeting = _propose(at_interview, assessor, start=NOW + dt.timedelta(hours=30))
    svc.choose_slot(slot=meeting.slots.order_by("starts_at").first(), by=operator)
    assert svc.send_meeting_reminders(now=NOW) == 0  # more than a day ahead
    later = NOW + dt.timedelta(hours=7)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.send_meeting_reminders(now=later) == 1
        assert svc.send_meeting_reminders(now=later + HOUR) == 0
    assert len(mail.outbox) == 1
    assert {"op@instansi.go.id", "asesor@univ.ac.id"} <= set(mail.outbox[0].to)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEETING_REMINDED).count() == 1


def test_minutes_are_recorded_and_rendered_as_a_numbered_pdf_record(
    at_interview, assessor, operator
):
    meeting = _propose(at_interview, assessor)
    svc.choose_slot(slot=meeting.slots.order_by("starts_at").first(), by=operator)
    with pytest.raises(ValidationError) as exc:
        svc.record_meeting(
            evaluation=at_interview, kind="interview", by=assessor, attendance="", minutes="x"
        )
    assert exc.value.code == "attendance"
    svc.record_meeting(
        evaluation=at_interview,
        kind="interview",
        by=assessor,
        attendance="Budi Santoso, Kepala Dinas Kominfo\nSiti Aminah, Operator",
        minutes="Instansi menunjukkan SK Tim SPBE 2024.",
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    report = Report.objects.get(kind=Report.Kind.MINUTES)
    assert report.status == Report.Status.QUEUED
    report_services.generate_report(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.READY
    assert report.filename.startswith("Berita-Acara-SPBE-")
    with report.file.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert "Budi Santoso, Kepala Dinas Kominfo" in text
    assert "Instansi menunjukkan SK Tim SPBE 2024." in text
    assert "-BA-" in text  # the official number of a record
    assert at_interview.institution.name in text


def test_the_page_walks_both_sides_through_the_interview(at_interview, assessor, operator):
    url = reverse("evaluations:meeting", kwargs={"pk": at_interview.pk, "kind": "interview"})
    assessor_client = logged_in(Client(), assessor)
    start = timezone.localtime(NOW + dt.timedelta(days=3), dt.timezone(dt.timedelta(hours=7)))
    body = assessor_client.post(
        reverse("evaluations:meeting-propose", kwargs={"pk": at_interview.pk, "kind": "interview"}),
        {
            "starts_1": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_1": (start + HOUR).strftime("%Y-%m-%dT%H:%M"),
            "location_1": "https://zoom.example/j/9",
        },
        follow=True,
    ).content.decode()
    assert "The times are proposed" in body
    institution = logged_in(Client(), operator)
    body = institution.get(url).content.decode()
    assert "Choose this time" in body
    slot = Meeting.objects.get().slots.get()
    body = institution.post(
        reverse(
            "evaluations:meeting-choose",
            kwargs={"pk": at_interview.pk, "kind": "interview", "slot_pk": slot.pk},
        ),
        follow=True,
    ).content.decode()
    assert "The time is chosen" in body
    assert "https://zoom.example/j/9" in body
    assert "Choose this time" not in body


def test_the_assessor_moves_and_records_the_meeting_through_the_page(
    at_interview, assessor, operator
):
    meeting = _propose(at_interview, assessor)
    svc.choose_slot(slot=meeting.slots.order_by("starts_at").first(), by=operator)
    kwargs = {"pk": at_interview.pk, "kind": "interview"}
    client = logged_in(Client(), assessor)
    start = timezone.localtime(NOW + dt.timedelta(days=6), dt.timezone(dt.timedelta(hours=7)))
    move = {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + HOUR).strftime("%Y-%m-%dT%H:%M"),
        "location": "Ruang Rapat 3",
    }
    url = reverse("evaluations:meeting-reschedule", kwargs=kwargs)
    body = client.post(url, {**move, "reason": ""}, follow=True).content.decode()
    assert "The meeting is moved" not in body  # no reason: refused, nothing moved
    meeting.refresh_from_db()
    assert meeting.sequence == 0
    body = client.post(url, {**move, "reason": "Bupati berhalangan."}, follow=True)
    assert "The meeting is moved" in body.content.decode()
    meeting.refresh_from_db()
    assert (meeting.sequence, meeting.location) == (1, "Ruang Rapat 3")
    url = reverse("evaluations:meeting-record", kwargs=kwargs)
    body = client.post(url, {"attendance": "", "minutes": "x"}, follow=True).content.decode()
    assert "Attendance and minutes are recorded" not in body
    body = client.post(
        url, {"attendance": "Budi, Kepala Dinas", "minutes": "Lengkap."}, follow=True
    ).content.decode()
    assert "Attendance and minutes are recorded" in body
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


def test_another_institution_never_sees_the_interview(at_interview, assessor, other_operator):
    _propose(at_interview, assessor)
    url = reverse("evaluations:meeting", kwargs={"pk": at_interview.pk, "kind": "interview"})
    assert logged_in(Client(), other_operator).get(url).status_code == 404
    slot = Meeting.objects.get().slots.first()
    with pytest.raises(PermissionDenied):
        svc.choose_slot(slot=slot, by=other_operator)


@pytest.mark.parametrize("slots", [1, 5])
def test_the_meeting_page_query_count(
    at_interview, assessor, operator, slots, django_assert_max_num_queries
):
    start = NOW + dt.timedelta(days=2)
    svc.propose_slots(
        evaluation=at_interview,
        kind="interview",
        by=assessor,
        slots=[(start + i * HOUR, start + (i + 1) * HOUR, f"Ruang {i}") for i in range(slots)],
    )
    url = reverse("evaluations:meeting", kwargs={"pk": at_interview.pk, "kind": "interview"})
    client = logged_in(Client(), operator)
    client.get(url)  # warm the per-process caches
    # Session, user, evaluation, meeting, its slots, the agenda, the page's own: the
    # same whatever the number of proposed times.
    with django_assert_max_num_queries(7):
        body = client.get(url).content.decode()
    assert body.count('class="list-group-item d-flex') == slots


def test_a_rescheduled_meeting_is_reminded_again_for_its_new_time(at_interview, assessor, operator):
    meeting = _propose(at_interview, assessor, start=NOW + dt.timedelta(hours=20))
    svc.choose_slot(slot=meeting.slots.order_by("starts_at").first(), by=operator)
    assert svc.send_meeting_reminders(now=NOW) == 1
    new_start = NOW + dt.timedelta(hours=22)
    svc.reschedule(
        evaluation=at_interview,
        kind="interview",
        by=assessor,
        starts_at=new_start,
        ends_at=new_start + HOUR,
        location="Ruang 3",
        reason="Narasumber berhalangan.",
        now=NOW,
    )
    assert svc.send_meeting_reminders(now=NOW) == 1
    assert svc.send_meeting_reminders(now=NOW) == 0
