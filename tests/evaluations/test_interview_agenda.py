"""The interview's agenda: marked during the document stage, audited, shown on the
interview page; refused outside the document stage and in a period without interview."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from evaluations.models import AgendaItem, AuditEvent, PeriodMode
from evaluations.services import agenda as svc
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import small_framework, submit

pytestmark = pytest.mark.django_db


def _evaluation_mode(period):
    now = timezone.now()
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at = now + dt.timedelta(days=40)
    period.interview_closes_at = now + dt.timedelta(days=50)
    period.save()


@pytest.fixture
def indicators(evaluation):
    indicators = small_framework(evaluation.period.framework)
    submit(evaluation, indicators=indicators)
    _evaluation_mode(evaluation.period)
    return indicators


def test_marking_puts_the_indicator_on_the_agenda_once_and_audits_it(
    evaluation, indicators, assessor
):
    item = svc.mark_for_interview(
        evaluation=evaluation, indicator=indicators[1], by=assessor, question=" Mana SK tim? "
    )
    assert item.question == "Mana SK tim?"
    again = svc.mark_for_interview(
        evaluation=evaluation, indicator=indicators[1], by=assessor, question="Mana SK tim?"
    )
    assert again.pk == item.pk
    events = AuditEvent.objects.filter(action=AuditEvent.Action.AGENDA_MARKED)
    assert events.count() == 1
    assert events.get().changes == {"question": [None, "Mana SK tim?"]}

    assert svc.unmark_for_interview(evaluation=evaluation, indicator=indicators[1], by=assessor)
    assert not AgendaItem.objects.exists()
    assert not svc.unmark_for_interview(evaluation=evaluation, indicator=indicators[1], by=assessor)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.AGENDA_REMOVED).count() == 1


def test_an_unassigned_assessor_cannot_mark(evaluation, indicators, unassigned_assessor):
    with pytest.raises(PermissionDenied):
        svc.mark_for_interview(
            evaluation=evaluation, indicator=indicators[0], by=unassigned_assessor
        )


def test_a_period_without_interview_has_no_agenda(evaluation, indicators, assessor):
    period = evaluation.period
    period.mode = PeriodMode.MONITORING
    period.interview_opens_at = period.interview_closes_at = None
    period.save()
    with pytest.raises(ValidationError) as exc:
        svc.mark_for_interview(evaluation=evaluation, indicator=indicators[0], by=assessor)
    assert exc.value.code == "no_interview"


def test_after_the_document_stage_the_agenda_is_fixed(evaluation, indicators, assessor):
    period = evaluation.period
    period.document_deadline = period.deadline + dt.timedelta(days=5)
    period.save()
    later = period.document_deadline + dt.timedelta(seconds=1)
    with pytest.raises(ValidationError) as exc:
        svc.mark_for_interview(
            evaluation=evaluation, indicator=indicators[0], by=assessor, now=later
        )
    assert exc.value.code == "stage_closed"
    assert not AgendaItem.objects.exists()


def test_the_scoring_page_marks_and_the_interview_page_lists_the_agenda(
    client, evaluation, indicators, assessor
):
    client = logged_in(client, assessor)
    url = reverse(
        "evaluations:agenda-mark", kwargs={"pk": evaluation.pk, "indicator_pk": indicators[2].pk}
    )
    response = client.post(url, {"question": "Tunjukkan log audit TIK."}, follow=True)
    body = response.content.decode()
    assert "Indicator 3 will be raised at the interview." in body
    assert "On the interview agenda" in body
    assert 'value="Tunjukkan log audit TIK."' in body

    sheet = client.get(
        reverse("evaluations:stage-sheet", kwargs={"pk": evaluation.pk, "stage": "interview"})
    ).content.decode()
    assert "Interview agenda" in sheet
    assert "3. Indikator 3" in sheet and "Tunjukkan log audit TIK." in sheet

    response = client.post(url, {"remove": "1"}, follow=True)
    assert "Indicator 3 taken off the interview agenda." in response.content.decode()
    assert not AgendaItem.objects.exists()
