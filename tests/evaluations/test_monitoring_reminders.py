"""Deadline reminders on a frozen clock: offsets fire once each, re-runs send nothing,
a submission stops them, an extension moves them to the new deadline."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from evaluations.models import AuditEvent, Evaluation, Reminder
from evaluations.services import monitoring as services
from evaluations.tasks.monitoring import send_deadline_reminders_task
from tests import factories as f

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
DEADLINE = dt.datetime(2026, 10, 31, 23, 59, 59, tzinfo=WIB)
S = Evaluation.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):
    fw = f.FrameworkFactory()
    aspect = f.AspectFactory(domain=f.DomainFactory(framework=fw))
    for n in range(1, 13):
        f.IndicatorFactory(aspect=aspect, framework=fw, number=n)
    period = f.EvaluationPeriodFactory(
        framework=fw, opens_at=DEADLINE - dt.timedelta(days=60), deadline=DEADLINE
    )
    inst = f.InstitutionFactory(name="Kota Denpasar")
    op = f.UserFactory(role="operator", institution=inst, email="op@denpasar.go.id")
    sup = f.UserFactory(role="supervisor", institution=inst, email="pj@denpasar.go.id")
    f.UserFactory(role="operator", institution=f.InstitutionFactory(), email="x@other.go.id")
    ev = f.EvaluationFactory(
        period=period, institution=inst, status=S.IN_PROGRESS, answered_count=5, evidenced_count=2
    )
    return period, ev, op, sup


def _run_at(moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return send_deadline_reminders_task.delay().get()


def test_offsets_fire_once_each_and_never_twice(campaign, django_capture_on_commit_callbacks):
    _period, ev, _op, _sup = campaign
    hour = dt.timedelta(hours=1)
    assert _run_at(DEADLINE - dt.timedelta(days=15), django_capture_on_commit_callbacks) == 0
    sent = []
    for days in (14, 7, 3, 1):
        moment = DEADLINE - dt.timedelta(days=days) + hour
        sent.append(_run_at(moment, django_capture_on_commit_callbacks))
        # The next hourly run (and a duplicate delivery) sends nothing.
        sent.append(_run_at(moment + hour, django_capture_on_commit_callbacks))
        sent.append(_run_at(moment + hour, django_capture_on_commit_callbacks))
    assert sent == [1, 0, 0] * 4
    assert _run_at(DEADLINE + hour, django_capture_on_commit_callbacks) == 0
    assert sorted(Reminder.objects.values_list("offset_days", flat=True)) == [1, 3, 7, 14]
    assert set(Reminder.objects.values_list("deadline", flat=True)) == {DEADLINE}
    assert len(mail.outbox) == 4
    assert sorted(mail.outbox[0].to) == ["op@denpasar.go.id", "pj@denpasar.go.id"]
    assert AuditEvent.objects.filter(action="reminder.sent", evaluation=ev).count() == 4


def test_reminder_says_what_is_left_in_indonesian(campaign, django_capture_on_commit_callbacks):
    _run_at(DEADLINE - dt.timedelta(days=7, hours=-1), django_capture_on_commit_callbacks)
    body = mail.outbox[0].body
    with translation.override("id"):
        assert (
            gettext("%(without_evidence)s indicators without evidence") % {"without_evidence": 10}
            in body
        )
        assert gettext("%(unanswered)s indicators unanswered") % {"unanswered": 7} in body
    assert "31" in body and "23:59" in body  # the deadline, in WIB
    reminder = Reminder.objects.get()
    assert "10" in reminder.summary


def test_a_late_first_run_sends_only_the_nearest_offset(
    campaign, django_capture_on_commit_callbacks
):
    """A period that opens 2 days before the deadline does not get the 14/7/3-day mails."""
    _run_at(DEADLINE - dt.timedelta(days=2), django_capture_on_commit_callbacks)
    assert list(Reminder.objects.values_list("offset_days", flat=True)) == [3]


def test_submission_stops_the_reminders(campaign, django_capture_on_commit_callbacks):
    _period, ev, _op, sup = campaign
    _run_at(DEADLINE - dt.timedelta(days=13), django_capture_on_commit_callbacks)
    Evaluation.objects.filter(pk=ev.pk).update(
        status=S.SUBMITTED, submitted_at=DEADLINE - dt.timedelta(days=10), submitted_by=sup
    )
    assert _run_at(DEADLINE - dt.timedelta(days=6), django_capture_on_commit_callbacks) == 0
    assert _run_at(DEADLINE - dt.timedelta(hours=20), django_capture_on_commit_callbacks) == 0
    assert list(Reminder.objects.values_list("offset_days", flat=True)) == [14]


def test_reminders_follow_an_extension(campaign, django_capture_on_commit_callbacks):
    period, ev, _op, _sup = campaign
    admin = f.UserFactory(role="admin")
    _run_at(DEADLINE - dt.timedelta(hours=20), django_capture_on_commit_callbacks)  # offset 1
    new_deadline = DEADLINE + dt.timedelta(days=10)
    with time_machine.travel(DEADLINE - dt.timedelta(hours=19), tick=False):
        services.grant_extension(
            period=period,
            institution=ev.institution,
            new_deadline=new_deadline,
            reason="Banjir",
            by=admin,
        )
    # Same hour: 10 days before the new deadline, so the 14-day reminder of the new one.
    assert _run_at(DEADLINE - dt.timedelta(hours=18), django_capture_on_commit_callbacks) == 1
    # The old deadline passes: nothing (the institution is still open).
    assert _run_at(DEADLINE + dt.timedelta(hours=2), django_capture_on_commit_callbacks) == 0
    assert _run_at(new_deadline - dt.timedelta(days=7), django_capture_on_commit_callbacks) == 1
    rows = sorted(Reminder.objects.values_list("deadline", "offset_days"))
    assert rows == [(DEADLINE, 1), (new_deadline, 7), (new_deadline, 14)]


def test_revoked_extension_returns_to_the_period_deadline(
    campaign, django_capture_on_commit_callbacks
):
    period, ev, _op, _sup = campaign
    admin = f.UserFactory(role="admin")
    ext, _created = services.grant_extension(
        period=period,
        institution=ev.institution,
        new_deadline=DEADLINE + dt.timedelta(days=30),
        reason="Banjir",
        by=admin,
    )
    assert _run_at(DEADLINE - dt.timedelta(days=2), django_capture_on_commit_callbacks) == 0
    services.revoke_extension(extension=ext, by=admin, reason="Salah input")
    assert _run_at(DEADLINE - dt.timedelta(days=2), django_capture_on_commit_callbacks) == 1
    assert list(Reminder.objects.values_list("deadline", "offset_days")) == [(DEADLINE, 3)]


def test_claim_by_insert_is_idempotent_against_a_concurrent_row(
    campaign, django_capture_on_commit_callbacks
):
    """A row another worker inserted (same evaluation, offset, deadline) means: not again."""
    _period, ev, _op, _sup = campaign
    Reminder.objects.create(evaluation=ev, offset_days=7, deadline=DEADLINE)
    assert _run_at(DEADLINE - dt.timedelta(days=6), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_due_offset():
    offsets = [14, 7, 3, 1]
    day = dt.timedelta(days=1)
    assert services.due_offset(offsets=offsets, deadline=DEADLINE, now=DEADLINE - 20 * day) is None
    assert services.due_offset(offsets=offsets, deadline=DEADLINE, now=DEADLINE - 14 * day) == 14
    assert services.due_offset(offsets=offsets, deadline=DEADLINE, now=DEADLINE - 5 * day) == 7
    assert services.due_offset(offsets=offsets, deadline=DEADLINE, now=DEADLINE - day / 2) == 1
    assert services.due_offset(offsets=offsets, deadline=DEADLINE, now=DEADLINE) is None


def test_period_offsets_are_used(campaign, django_capture_on_commit_callbacks):
    period, _ev, _op, _sup = campaign
    period.reminder_offsets_days = [5]
    period.save()
    assert _run_at(DEADLINE - dt.timedelta(days=8), django_capture_on_commit_callbacks) == 0
    assert _run_at(DEADLINE - dt.timedelta(days=4), django_capture_on_commit_callbacks) == 1
    assert list(Reminder.objects.values_list("offset_days", flat=True)) == [5]


def test_manual_reminders_need_an_admin(campaign):
    _period, _ev, op, _sup = campaign
    with pytest.raises(services.PermissionDenied):
        services.send_reminders_now(evaluations=Evaluation.objects.all(), by=op)


def test_manual_reminders_can_repeat(campaign, django_capture_on_commit_callbacks):
    """A reminder sent by hand is not limited to once (offset null is outside the constraint)."""
    _period, _ev, _op, _sup = campaign
    admin = f.UserFactory(role="admin")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders_now(evaluations=Evaluation.objects.all(), by=admin) == 1
        assert services.send_reminders_now(evaluations=Evaluation.objects.all(), by=admin) == 1
    assert Reminder.objects.filter(offset_days__isnull=True, sent_by=admin).count() == 2
    assert len(mail.outbox) == 2


def test_reminders_with_the_self_evaluation_services(django_capture_on_commit_callbacks):
    """The counters kept by the answer services feed the reminder; a real submission
    (submit_evaluation) stops the next ones."""
    from evaluations.services.selfeval import save_answer, submit_evaluation
    from tests.evaluations.selfeval_helpers import small_framework

    period = f.EvaluationPeriodFactory(opens_at=DEADLINE - dt.timedelta(days=60), deadline=DEADLINE)
    indicators = small_framework(period, n=2, multi=False)
    inst = f.InstitutionFactory(name="Kota Integrasi")
    sup = f.UserFactory(role="supervisor", institution=inst, email="pj@integrasi.go.id")
    ev = f.EvaluationFactory(period=period, institution=inst)
    with time_machine.travel(DEADLINE - dt.timedelta(days=8), tick=False):
        save_answer(
            evaluation=ev, indicator=indicators[0], by=sup, level=0, note="", base_version=0
        )
    _run_at(DEADLINE - dt.timedelta(days=7, hours=-1), django_capture_on_commit_callbacks)
    with translation.override("id"):
        assert gettext("%(unanswered)s indicators unanswered") % {"unanswered": 1} in (
            mail.outbox[0].body
        )
    with time_machine.travel(DEADLINE - dt.timedelta(days=5), tick=False):
        save_answer(
            evaluation=ev, indicator=indicators[1], by=sup, level=0, note="", base_version=0
        )
        submit_evaluation(evaluation=ev, by=sup)
    assert _run_at(DEADLINE - dt.timedelta(days=2), django_capture_on_commit_callbacks) == 0
    assert list(Reminder.objects.values_list("offset_days", flat=True)) == [7]
