"""The operator's "tell the supervisor": when everything is complete, an email to the
institution's supervisors with the link to the check page; audited; once an hour."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from evaluations.models import AuditEvent
from evaluations.services import selfeval as svc
from tests import factories as f
from tests.conftest import logged_in

from .selfeval_helpers import small_framework
from .test_selfeval_views import fill_all


@pytest.fixture
def indicators(period):
    return small_framework(period, multi=False)


def _tell(client, user, evaluation, capture):
    with capture(execute=True):
        response = logged_in(client, user).post(
            reverse("evaluations:tell-supervisor", args=[evaluation.pk])
        )
    return response, [str(m) for m in get_messages(response.wsgi_request)]


def test_complete_evaluation_tells_the_supervisor_with_a_link_and_an_audit_event(
    client, evaluation, indicators, operator, supervisor, django_capture_on_commit_callbacks
):
    fill_all(evaluation, indicators, operator)
    check_url = reverse("evaluations:submission-check", args=[evaluation.pk])
    page = logged_in(client, operator).get(check_url).content.decode()
    assert "Tell the supervisor it is ready" in page
    response, flashes = _tell(client, operator, evaluation, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == check_url
    assert flashes == ["1 supervisor has been sent an email with the link to check and submit."]
    (message,) = mail.outbox
    assert message.to == [supervisor.email]
    assert check_url in message.body and "siap" in message.subject
    event = AuditEvent.objects.get(action=AuditEvent.Action.SUPERVISOR_NOTIFIED)
    assert event.actor == operator and event.evaluation_id == evaluation.pk


def test_a_second_time_within_the_hour_is_refused_with_when_it_may_be_sent_again(
    client, evaluation, indicators, operator, supervisor, django_capture_on_commit_callbacks
):
    fill_all(evaluation, indicators, operator)
    _tell(client, operator, evaluation, django_capture_on_commit_callbacks)
    _response, flashes = _tell(client, operator, evaluation, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert "You can send it again after" in flashes[-1]
    # An hour later it may be sent again.
    with django_capture_on_commit_callbacks(execute=True):
        svc.notify_supervisor(
            evaluation=evaluation, by=operator, now=timezone.now() + dt.timedelta(minutes=61)
        )
    assert len(mail.outbox) == 2


def test_incomplete_evaluation_sends_nothing(
    client, evaluation, indicators, operator, supervisor, django_capture_on_commit_callbacks
):
    fill_all(evaluation, indicators[:1], operator)
    page = logged_in(client, operator).get(
        reverse("evaluations:submission-check", args=[evaluation.pk])
    )
    assert "Tell the supervisor it is ready" not in page.content.decode()
    _response, flashes = _tell(client, operator, evaluation, django_capture_on_commit_callbacks)
    assert mail.outbox == [] and "still missing" in flashes[0]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SUPERVISOR_NOTIFIED).exists()


def test_no_supervisor_with_an_address_is_said_clearly(
    evaluation, indicators, operator, supervisor
):
    fill_all(evaluation, indicators, operator)
    type(supervisor).objects.filter(pk=supervisor.pk).update(email="")
    with pytest.raises(Exception, match="no supervisor with an email address"):
        svc.notify_supervisor(evaluation=evaluation, by=operator)


def test_only_the_own_supervisors_are_told(
    evaluation, indicators, operator, supervisor, django_capture_on_commit_callbacks
):
    fill_all(evaluation, indicators, operator)
    f.UserFactory(role="supervisor", institution=f.InstitutionFactory(), email="lain@example.id")
    f.UserFactory(role="operator", institution=evaluation.institution, email="op2@example.id")
    with django_capture_on_commit_callbacks(execute=True):
        told = svc.notify_supervisor(evaluation=evaluation, by=operator)
    assert told == 1 and mail.outbox[0].to == [supervisor.email]
