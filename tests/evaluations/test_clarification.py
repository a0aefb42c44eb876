"""The provisional result and the clarification window: when the institution sees it,
the window enforced on the server, the assessor's decisions, how an accepted level
counts (after the document stage, before the interview), and the pages."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from evaluations import deadlines, scoring
from evaluations.models import (
    AgendaItem,
    Answer,
    AuditEvent,
    ClarificationResponse,
    Evaluation,
    PeriodMode,
    Phase,
)
from evaluations.models.period import CLARIFICATION_DAYS
from evaluations.permissions import provisional_is_out
from evaluations.services import assessment as assessment_svc
from evaluations.services import clarification as svc
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import small_framework, submit

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


def _provisional(evaluation, assessor, n=3):
    """Self levels 3, document levels 2 with notes; then the document stage closes one
    hour ago (evaluation mode, interview later)."""
    period = evaluation.period
    period.mode = PeriodMode.EVALUATION
    period.save()
    indicators = small_framework(period.framework, n=n)
    submit(evaluation, levels=(3,) * n, indicators=indicators)
    for indicator in indicators:
        assessment_svc.save_validated_answer(
            evaluation=evaluation,
            indicator=indicator,
            by=assessor,
            level=2,
            note="Dokumen.",
            facts="SK tahun 2017.",
            justification="Belum ada reviu.",
        )
    now = timezone.now()
    period.opens_at = now - dt.timedelta(days=60)
    period.deadline = now - dt.timedelta(days=20)
    period.document_deadline = now - dt.timedelta(hours=1)
    period.interview_opens_at = now + dt.timedelta(days=10)
    period.interview_closes_at = now + dt.timedelta(days=20)
    period.save()
    evaluation.refresh_from_db()
    return indicators


def test_the_window_opens_after_the_document_stage_and_lasts_a_week_by_default(period):
    period.mode = PeriodMode.EVALUATION
    period.document_deadline = period.deadline + dt.timedelta(days=10)
    opens, closes = period.stage_window("clarification")
    assert opens == period.document_deadline + SECOND
    assert closes == period.document_deadline + dt.timedelta(days=CLARIFICATION_DAYS)
    state = deadlines.stage_state
    assert state(period, "clarification", period.document_deadline) == deadlines.STAGE_NOT_YET
    assert state(period, "clarification", opens) == deadlines.STAGE_OPEN
    assert state(period, "clarification", closes + SECOND - dt.timedelta(microseconds=1)) == (
        deadlines.STAGE_OPEN
    )
    assert state(period, "clarification", closes + SECOND) == deadlines.STAGE_CLOSED
    period.clarification_closes_at = period.document_deadline + dt.timedelta(days=3)
    assert period.stage_window("clarification")[1] == period.clarification_closes_at


def test_a_monitoring_period_has_no_clarification_window(period):
    period.document_deadline = period.deadline + dt.timedelta(days=10)
    assert period.stage_window("clarification") == (None, None)
    assert (
        deadlines.stage_state(period, "clarification", timezone.now()) == deadlines.STAGE_NOT_HELD
    )


def test_the_institution_sees_the_provisional_result_only_after_the_document_stage(
    client, evaluation, assessor, operator
):
    _provisional(evaluation, assessor)
    period = evaluation.period
    url = reverse("evaluations:provisional", kwargs={"pk": evaluation.pk})
    period.document_deadline = timezone.now() + dt.timedelta(hours=1)
    period.save()
    assert not provisional_is_out(evaluation, timezone.now())
    assert logged_in(client, operator).get(url).status_code == 403

    period.document_deadline = timezone.now() - dt.timedelta(hours=1)
    period.save()
    AgendaItem.objects.create(
        evaluation=evaluation,
        indicator_id=Answer.objects.filter(evaluation=evaluation).first().indicator_id,
        question="Bawa SK terbaru.",
        created_by=assessor,
    )
    body = client.get(url).content.decode()
    assert body.count("provisional-level") == 3
    assert "Provisional level: 2" in body
    assert "SK tahun 2017." in body and "Belum ada reviu." in body
    assert "Interview agenda" in body and "Bawa SK terbaru." in body
    assert "Respond to this level" in body


def test_after_release_the_provisional_page_points_to_the_final_result(
    client, evaluation, assessor, operator
):
    _provisional(evaluation, assessor)
    url = reverse("evaluations:provisional", kwargs={"pk": evaluation.pk})
    body = logged_in(client, operator).get(url).content.decode()
    assert "may still change" in body and "final-released" not in body
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.RELEASED)
    body = client.get(url).content.decode()
    assert 'id="final-released"' in body and "may still change" not in body
    assert reverse("evaluations:result", kwargs={"pk": evaluation.pk}) in body


def test_a_response_is_saved_in_the_window_and_refused_after_it(evaluation, assessor, operator):
    indicators = _provisional(evaluation, assessor)
    evidence = f.EvidenceFileFactory(evaluation=evaluation)
    response = svc.save_response(
        evaluation=evaluation,
        indicator=indicators[0],
        by=operator,
        text="SK baru terlampir.",
        evidence_ids=[evidence.pk],
    )
    assert response.decision == ClarificationResponse.Decision.PENDING
    again = svc.save_response(
        evaluation=evaluation,
        indicator=indicators[0],
        by=operator,
        text="SK baru terlampir.",
        evidence_ids=[evidence.pk],
    )
    assert again.pk == response.pk
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RESPONSE_SAVED).count() == 1

    _opens, closes = evaluation.period.stage_window("clarification")
    with pytest.raises(ValidationError) as exc:
        svc.save_response(
            evaluation=evaluation,
            indicator=indicators[1],
            by=operator,
            text="Terlambat.",
            now=closes + SECOND,
        )
    assert exc.value.code == "stage_closed"
    assert ClarificationResponse.objects.count() == 1


def test_only_the_institution_responds(evaluation, assessor, other_operator):
    indicators = _provisional(evaluation, assessor)
    for user in (assessor, other_operator):
        with pytest.raises(PermissionDenied):
            svc.save_response(evaluation=evaluation, indicator=indicators[0], by=user, text="x")


def test_an_accepted_response_counts_after_the_document_level_and_the_interview_carries_it(
    evaluation, assessor, operator
):
    indicators = _provisional(evaluation, assessor)
    response = svc.save_response(
        evaluation=evaluation, indicator=indicators[0], by=operator, text="SK 2024 ada."
    )
    svc.decide_response(response=response, by=assessor, accepted=True, level=4, reason="Sah.")
    response.refresh_from_db()
    assert (response.decision, response.new_level) == ("accepted", 4)
    answers = list(Answer.objects.filter(evaluation=evaluation))
    counting = scoring.counting_answers(answers)
    assert counting[(indicators[0].pk, 1)].phase == Phase.CLARIFICATION
    assert counting[(indicators[0].pk, 1)].level == 4
    assert counting[(indicators[1].pk, 1)].level == 2
    at_interview = scoring.stage_answers(answers, Phase.INTERVIEW)
    assert at_interview[(indicators[0].pk, 1)].carried_over
    assert at_interview[(indicators[0].pk, 1)].answer.level == 4
    assert scoring.counting_answers(answers, up_to=Phase.DOCUMENT)[(indicators[0].pk, 1)].level == 2
    event = AuditEvent.objects.get(action=AuditEvent.Action.RESPONSE_ACCEPTED)
    assert event.changes["level"] == [None, 4]

    with pytest.raises(ValidationError) as exc:
        svc.decide_response(response=response, by=assessor, accepted=False, reason="Batal")
    assert exc.value.code == "decided"
    with pytest.raises(ValidationError) as exc:
        svc.save_response(evaluation=evaluation, indicator=indicators[0], by=operator, text="lagi")
    assert exc.value.code == "decided"


def test_a_refusal_needs_a_reason_and_changes_no_level(
    evaluation, assessor, operator, django_capture_on_commit_callbacks
):
    indicators = _provisional(evaluation, assessor)
    response = svc.save_response(
        evaluation=evaluation, indicator=indicators[1], by=operator, text="Mohon naik."
    )
    with pytest.raises(ValidationError) as exc:
        svc.decide_response(response=response, by=assessor, accepted=False, reason=" ")
    assert exc.value.code == "reason"
    operator.email = "op@instansi.go.id"
    operator.save()
    with django_capture_on_commit_callbacks(execute=True):
        svc.decide_response(
            response=response,
            by=assessor,
            accepted=False,
            reason="Dokumen tidak memuat bagian wajib.",
        )
    assert not Answer.objects.filter(phase=Phase.CLARIFICATION).exists()
    (message,) = mail.outbox
    assert "op@instansi.go.id" in message.to
    assert "Dokumen tidak memuat bagian wajib." in message.body
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RESPONSE_NOT_ACCEPTED).count() == 1


def test_an_unassigned_assessor_cannot_decide(evaluation, assessor, operator, unassigned_assessor):
    indicators = _provisional(evaluation, assessor)
    response = svc.save_response(
        evaluation=evaluation, indicator=indicators[1], by=operator, text="Mohon naik."
    )
    with pytest.raises(PermissionDenied):
        svc.decide_response(response=response, by=unassigned_assessor, accepted=True, level=3)


def test_after_approval_nothing_is_decided(evaluation, assessor, operator):
    indicators = _provisional(evaluation, assessor)
    response = svc.save_response(
        evaluation=evaluation, indicator=indicators[1], by=operator, text="Mohon naik."
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.APPROVED)
    with pytest.raises(ValidationError) as exc:
        svc.decide_response(response=response, by=assessor, accepted=True, level=3)
    assert exc.value.code == "status"


def test_the_pages_carry_a_response_and_its_decision_both_ways(
    client, evaluation, assessor, operator
):
    indicators = _provisional(evaluation, assessor)
    institution = logged_in(client, operator)
    url = reverse(
        "evaluations:response-save",
        kwargs={"pk": evaluation.pk, "indicator_pk": indicators[2].pk, "entry": 1},
    )
    body = institution.post(url, {"text": "Sudah ada SOP."}, follow=True).content.decode()
    assert "Indicator 3: your response is saved for the assessor." in body
    assert "Awaiting the assessor" in body

    from django.test import Client

    assessor_client = logged_in(Client(), assessor)
    response = ClarificationResponse.objects.get()
    page = assessor_client.get(reverse("evaluations:responses", kwargs={"pk": evaluation.pk}))
    assert "Sudah ada SOP." in page.content.decode()
    decide = reverse(
        "evaluations:response-decide", kwargs={"pk": evaluation.pk, "response_pk": response.pk}
    )
    body = assessor_client.post(
        decide, {"decision": "accepted", "level": "3", "reason": "SOP sah."}, follow=True
    ).content.decode()
    assert "Indicator 3: decision recorded." in body

    body = institution.get(
        reverse("evaluations:provisional", kwargs={"pk": evaluation.pk})
    ).content.decode()
    assert "Accepted: level 3" in body
    assert "Level after clarification: 3" in body
    assert "SOP sah." in body


@pytest.mark.parametrize("n", [1, 20])
def test_provisional_and_responses_pages_query_count(
    client, evaluation, assessor, operator, n, django_assert_max_num_queries
):
    indicators = _provisional(evaluation, assessor, n=n)
    for indicator in indicators:
        svc.save_response(
            evaluation=evaluation, indicator=indicator, by=operator, text="Tanggapan."
        )
        AgendaItem.objects.create(evaluation=evaluation, indicator=indicator, created_by=assessor)
    url = reverse("evaluations:provisional", kwargs={"pk": evaluation.pk})
    client = logged_in(client, operator)
    # Constant whatever the number of indicators, responses and agenda items.
    with django_assert_max_num_queries(11):
        assert client.get(url).status_code == 200
    client = logged_in(client, assessor)
    with django_assert_max_num_queries(9):
        assert (
            client.get(reverse("evaluations:responses", kwargs={"pk": evaluation.pk})).status_code
            == 200
        )


def test_the_period_form_checks_the_clarification_window(period):
    from evaluations.services.periods import PeriodSettings, check_windows

    base = {
        "name": "x",
        "year": 2026,
        "framework": period.framework,
        "opens_at": period.opens_at,
        "deadline": period.deadline,
        "document_deadline": period.deadline + dt.timedelta(days=10),
    }
    monitoring = PeriodSettings(
        mode=PeriodMode.MONITORING,
        clarification_closes_at=period.deadline + dt.timedelta(days=12),
        **base,
    )
    assert "clarification_closes_at" in check_windows(monitoring)
    early = PeriodSettings(
        mode=PeriodMode.EVALUATION,
        clarification_closes_at=period.deadline + dt.timedelta(days=9),
        interview_opens_at=period.deadline + dt.timedelta(days=11),
        interview_closes_at=period.deadline + dt.timedelta(days=20),
        **base,
    )
    assert "clarification_closes_at" in check_windows(early)
