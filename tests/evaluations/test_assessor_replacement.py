"""The same assessors stay with an institution through every stage: once scoring has
started, removing an assessor needs a reason, kept in the audit trail; an automatic
run's undo leaves such evaluations alone."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.models import AssessorAssignment, AuditEvent, Evaluation
from evaluations.services import assignment as svc
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def _start(evaluation):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.UNDER_ASSESSMENT)
    evaluation.refresh_from_db()


def test_before_scoring_an_assessor_is_removed_without_a_reason(evaluation, assessor, coordinator):
    assert svc.unassign_assessor(evaluation=evaluation, assessor=assessor, by=coordinator)
    event = AuditEvent.objects.get(action=AuditEvent.Action.ASSESSOR_UNASSIGNED)
    assert event.changes["scoring_started"] is False


def test_after_scoring_started_a_replacement_needs_a_reason_and_is_audited(
    evaluation, assessor, coordinator
):
    _start(evaluation)
    with pytest.raises(ValidationError) as exc:
        svc.unassign_assessor(evaluation=evaluation, assessor=assessor, by=coordinator)
    assert exc.value.code == "reason"
    assert AssessorAssignment.objects.filter(evaluation=evaluation, assessor=assessor).exists()
    assert svc.unassign_assessor(
        evaluation=evaluation, assessor=assessor, by=coordinator, reason="Asesor sakit panjang."
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.ASSESSOR_UNASSIGNED)
    assert event.note == "Asesor sakit panjang."
    assert event.changes["scoring_started"] is True


def test_the_dashboard_asks_for_the_reason(client, evaluation, assessor, coordinator):
    _start(evaluation)
    client = logged_in(client, coordinator)
    page = client.get(
        reverse("evaluations:coordinator-dashboard"), {"period": evaluation.period_id}
    )
    assert "replacement-reason" in page.content.decode()
    url = reverse("evaluations:assessor-assign", kwargs={"period_pk": evaluation.period_id})
    data = {"evaluation": evaluation.pk, "assessor": assessor.pk, "action": "remove"}
    body = client.post(url, data, follow=True).content.decode()
    assert "say why this assessor is removed" in body
    body = client.post(url, {**data, "reason": "Pindah tugas."}, follow=True).content.decode()
    assert "removed from" in body
    assert not AssessorAssignment.objects.filter(evaluation=evaluation).exists()
