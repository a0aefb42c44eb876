"""Scoring, completion, review, results and release services, and their guards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evaluations.models import Answer, AuditEvent, Evaluation, Phase, Reopening
from evaluations.selectors import assessment as sel
from evaluations.services import assessment as svc
from evaluations.services import assessment_texts as texts_svc
from institutions.models import Role
from tests import factories as f
from tests.evaluations.assessment_helpers import score_all, set_status, small_framework, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators(period):
    return small_framework(period.framework)


@pytest.fixture
def submitted(evaluation, indicators):
    submit(evaluation, levels=(4, 3, 2), indicators=indicators)
    return evaluation


def test_save_validated_answer_starts_assessment_and_counts(submitted, indicators, assessor):
    answer = svc.save_validated_answer(
        evaluation=submitted, indicator=indicators[0], by=assessor, level=3, note="Bukti SK ada."
    )
    submitted.refresh_from_db()
    assert answer.phase == Phase.DOCUMENT and answer.version == 1
    assert submitted.status == Evaluation.Status.UNDER_ASSESSMENT
    assert submitted.validated_count == 1
    event = AuditEvent.objects.get(evaluation=submitted, action="assessment.answer_saved")
    assert event.changes["level"] == [None, 3] and event.indicator == indicators[0]


def test_save_validated_answer_edit_conflict(submitted, indicators, assessor):
    first = svc.save_validated_answer(
        evaluation=submitted, indicator=indicators[0], by=assessor, level=3, note="a", version=0
    )
    svc.save_validated_answer(
        evaluation=submitted, indicator=indicators[0], by=assessor, level=4, note="b", version=1
    )
    with pytest.raises(ValidationError) as exc:
        svc.save_validated_answer(
            evaluation=submitted,
            indicator=indicators[0],
            by=assessor,
            level=2,
            note="stale",
            version=first.version,
        )
    assert exc.value.code == "conflict"
    assert Answer.objects.get(evaluation=submitted, phase=Phase.DOCUMENT).level == 4


def test_save_validated_answer_level_zero_only_when_allowed(submitted, indicators, assessor):
    with pytest.raises(ValidationError) as exc:
        svc.save_validated_answer(
            evaluation=submitted, indicator=indicators[0], by=assessor, level=0, note="x"
        )
    assert exc.value.messages == [str(svc.LEVEL_ZERO_NOT_ALLOWED)]
    framework = submitted.period.framework
    framework.allow_zero_validated = True
    framework.save()
    submitted.refresh_from_db()
    answer = svc.save_validated_answer(
        evaluation=submitted, indicator=indicators[0], by=assessor, level=0, note="x"
    )
    assert answer.level == 0


def test_save_validated_answer_guards(
    evaluation, indicators, assessor, unassigned_assessor, coordinator
):
    with pytest.raises(ValidationError) as exc:  # not submitted yet
        svc.save_validated_answer(
            evaluation=evaluation, indicator=indicators[0], by=assessor, level=3, note="x"
        )
    assert exc.value.code == "status"
    submit(evaluation, indicators=indicators)
    for outsider in (unassigned_assessor, coordinator):
        with pytest.raises(PermissionDenied):
            svc.save_validated_answer(
                evaluation=evaluation, indicator=indicators[0], by=outsider, level=3, note="x"
            )
    with pytest.raises(ValidationError) as exc:
        svc.save_validated_answer(
            evaluation=evaluation, indicator=indicators[0], by=assessor, level=3, entry=2
        )
    assert exc.value.code == "entry"
    with pytest.raises(ValidationError) as exc:
        svc.save_validated_answer(
            evaluation=evaluation, indicator=indicators[0], by=assessor, level=None
        )
    assert exc.value.code == "level"


def test_save_aspect_note_and_conflict(submitted, indicators, assessor):
    aspect = indicators[0].aspect
    note = texts_svc.save_aspect_note(
        evaluation=submitted, aspect=aspect, by=assessor, strengths="Kuat", weaknesses="", version=0
    )
    assert note.version == 1
    with pytest.raises(ValidationError) as exc:
        texts_svc.save_aspect_note(
            evaluation=submitted,
            aspect=aspect,
            by=assessor,
            strengths="x",
            weaknesses="y",
            version=0,
        )
    assert exc.value.code == "conflict"


def test_complete_requires_every_level_and_explanation(
    submitted, indicators, assessor, coordinator
):
    svc.save_validated_answer(
        evaluation=submitted, indicator=indicators[0], by=assessor, level=3, note="ok"
    )
    with pytest.raises(ValidationError) as exc:
        svc.complete_assessment(evaluation=submitted, by=assessor)
    assert exc.value.code == "incomplete"
    assert "2 indicator" in exc.value.messages[0]
    score_all(submitted, indicators[1:], (3, 2))
    svc.complete_assessment(evaluation=submitted, by=assessor)
    submitted.refresh_from_db()
    assert submitted.status == Evaluation.Status.ASSESSED and submitted.assessed_at
    assert AuditEvent.objects.filter(
        evaluation=submitted, action="assessment.completed", to_status="assessed"
    ).exists()


def test_complete_emails_the_coordinators(
    submitted, indicators, assessor, coordinator, django_capture_on_commit_callbacks
):
    score_all(submitted, indicators, (3, 3, 3))
    with django_capture_on_commit_callbacks(execute=True):
        svc.complete_assessment(evaluation=submitted, by=assessor)
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert submitted.institution.name in mail.outbox[0].subject


def test_complete_refuses_blank_explanation(submitted, indicators, assessor):
    score_all(submitted, indicators, (3, 3, 3), note="  ")
    assert len(sel.missing_entries(submitted)) == 3


def test_missing_entries_ignores_an_empty_extra_entry(submitted, indicators, assessor):
    """An empty self row (made only to link a file) needs no score; a started one does."""
    score_all(submitted, indicators, (3, 3, 3))
    f.AnswerFactory(evaluation=submitted, indicator=indicators[0], entry=2, level=None, note="")
    assert sel.missing_entries(submitted) == []
    f.AnswerFactory(
        evaluation=submitted, indicator=indicators[1], entry=2, level=None, service_name="SIPP"
    )
    assert sel.missing_entries(submitted) == [(indicators[1].pk, 2)]


@pytest.fixture
def assessed(submitted, indicators, assessor):
    set_status(submitted, Evaluation.Status.UNDER_ASSESSMENT)
    score_all(submitted, indicators, (3, 3, 1))
    svc.complete_assessment(evaluation=submitted, by=assessor)
    submitted.refresh_from_db()
    return submitted


def test_approve_computes_index_next_to_self(assessed, coordinator):
    svc.approve_assessment(evaluation=assessed, by=coordinator)
    assessed.refresh_from_db()
    assert assessed.status == Evaluation.Status.APPROVED
    assert assessed.final_index == Decimal("2.33") and assessed.final_predicate == "Kurang"
    assert assessed.self_index == Decimal("3.00") and assessed.self_predicate == "Baik"
    assert assessed.approved_by == coordinator
    event = AuditEvent.objects.get(evaluation=assessed, action="assessment.approved")
    assert event.from_status == "assessed" and "2.33" in event.note
    sheet = sel.result_sheet(assessed)
    assert [r.difference for r in sheet.rows] == [
        Decimal("-1.00"),
        Decimal("0.00"),
        Decimal("-1.00"),
    ]


def test_approve_and_send_back_guards(assessed, other_coordinator, coordinator, assessor):
    with pytest.raises(PermissionDenied):
        svc.approve_assessment(evaluation=assessed, by=other_coordinator)
    with pytest.raises(PermissionDenied):
        svc.approve_assessment(evaluation=assessed, by=assessor)
    with pytest.raises(ValidationError) as exc:
        svc.send_back_assessment(evaluation=assessed, by=coordinator, comment=" ")
    assert exc.value.messages == [str(svc.COMMENT_REQUIRED)]


def test_send_back_returns_to_assessor_with_comment(
    assessed, coordinator, assessor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        svc.send_back_assessment(evaluation=assessed, by=coordinator, comment="Cek indikator 3")
    assessed.refresh_from_db()
    assert assessed.status == Evaluation.Status.UNDER_ASSESSMENT
    event = AuditEvent.objects.get(evaluation=assessed, action="assessment.sent_back")
    assert event.note == "Cek indikator 3"
    assert mail.outbox[-1].to == [assessor.email] and "Cek indikator 3" in mail.outbox[-1].body
    with pytest.raises(ValidationError):
        svc.approve_assessment(evaluation=assessed, by=coordinator)


def test_approve_with_real_framework(framework_2018, admin_user):
    """The 2018 worked example: validated levels per aspect give index 2.64 (Baik)."""
    period = f.EvaluationPeriodFactory(framework=framework_2018)
    university = f.UniversityFactory()
    coordinator = f.UserFactory(role=Role.COORDINATOR, university=university)
    ev = f.EvaluationFactory(period=period, university=university)
    indicators = list(framework_2018.indicators.order_by("number"))
    levels = [1, 1, 1, 3, 2, 3, 3]  # A1
    levels += [2, 1, 1, 1, 3, 3, 3, 1, 3, 3]  # A2
    levels += [1, 3, 2, 3, 3, 2, 2]  # A3, A4, A5
    levels += [3, 1, 4, 4, 4, 3, 4, 3, 2, 3]  # A6, A7 without indicator 35
    for ind, level in zip(indicators[:34], levels, strict=True):
        f.AnswerFactory(evaluation=ev, indicator=ind, level=level, phase=Phase.DOCUMENT)
    for entry, level in enumerate((1, 3, 3), start=1):
        f.AnswerFactory(
            evaluation=ev, indicator=indicators[34], entry=entry, level=level, phase=Phase.DOCUMENT
        )
    set_status(ev, Evaluation.Status.ASSESSED)
    svc.approve_assessment(evaluation=ev, by=coordinator)
    ev.refresh_from_db()
    assert (ev.final_index, ev.final_predicate) == (Decimal("2.64"), "Baik")


def test_final_levels_take_latest_phase(evaluation, indicators):
    f.AnswerFactory(evaluation=evaluation, indicator=indicators[0], level=4, phase=Phase.SELF)
    f.AnswerFactory(evaluation=evaluation, indicator=indicators[0], level=3, phase=Phase.DOCUMENT)
    f.AnswerFactory(evaluation=evaluation, indicator=indicators[0], level=2, phase=Phase.INTERVIEW)
    f.AnswerFactory(evaluation=evaluation, indicator=indicators[1], level=5, phase=Phase.DOCUMENT)
    assert sel.final_levels(evaluation) == {indicators[0].pk: [2], indicators[1].pk: [5]}


def test_release_chosen_then_all(
    period, indicators, admin_user, coordinator, django_capture_on_commit_callbacks
):
    evaluations = []
    for _ in range(3):
        ev = f.EvaluationFactory(period=period, final_index=Decimal("3.10"), final_predicate="Baik")
        f.UserFactory(role=Role.OPERATOR, institution=ev.institution)
        evaluations.append(set_status(ev, Evaluation.Status.APPROVED))
    pending = set_status(f.EvaluationFactory(period=period), Evaluation.Status.ASSESSED)
    with django_capture_on_commit_callbacks(execute=True):
        n = svc.release_results(period=period, by=admin_user, evaluation_ids=[evaluations[0].pk])
    assert n == 1 and len(mail.outbox) == 1
    assert evaluations[0].institution.name in mail.outbox[0].body
    period.refresh_from_db()
    assert period.results_released_at is None
    evaluations[0].refresh_from_db()
    assert evaluations[0].status == Evaluation.Status.RELEASED and evaluations[0].released_at
    assert svc.release_results(period=period, by=admin_user) == 2
    period.refresh_from_db()
    pending.refresh_from_db()
    assert period.results_released_at is not None and pending.status == Evaluation.Status.ASSESSED
    with pytest.raises(ValidationError):
        svc.release_results(period=period, by=admin_user)
    with pytest.raises(PermissionDenied):
        svc.release_results(period=period, by=coordinator)


def test_national_figures(period, indicators):
    kota = [Decimal("3.00"), Decimal("2.00")]
    for value in kota:
        ev = f.EvaluationFactory(
            period=period, final_index=value, final_predicate="Baik" if value > 2.6 else "Kurang"
        )
        set_status(ev, Evaluation.Status.RELEASED)
    ministry = f.EvaluationFactory(
        period=period,
        institution=f.MinistryFactory(),
        final_index=Decimal("4.00"),
        final_predicate="Baik",
    )
    set_status(ministry, Evaluation.Status.APPROVED)
    f.EvaluationFactory(period=period, final_index=Decimal("1.00"))  # not approved: ignored
    figures = sel.national_figures(period)
    assert figures.count == 3 and figures.index == Decimal("3.00") and figures.predicate == "Baik"
    assert figures.by_predicate == [("Baik", 2), ("Kurang", 1)]
    assert {label: (n, mean) for label, n, mean in figures.by_kind} == {
        "Ministry": (1, Decimal("4.00")),
        "City": (2, Decimal("2.50")),
    }


def test_request_clarification_reopens_named_indicators(
    submitted, indicators, assessor, unassigned_assessor
):
    reopening = svc.request_clarification(
        evaluation=submitted, indicators=[indicators[1]], reason="Lampirkan SK", by=assessor
    )
    submitted.refresh_from_db()
    assert reopening.kind == Reopening.Kind.CLARIFICATION
    assert list(reopening.indicators.all()) == [indicators[1]]
    assert submitted.status == Evaluation.Status.RETURNED
    with pytest.raises(PermissionDenied):
        svc.request_clarification(
            evaluation=submitted, indicators=[indicators[1]], reason="x", by=unassigned_assessor
        )


def test_request_clarification_closed_after_document_deadline(submitted, indicators, assessor):
    period = submitted.period
    period.document_deadline = period.deadline + dt.timedelta(days=1)
    period.save()
    submitted.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        svc.request_clarification(
            evaluation=submitted,
            indicators=[indicators[0]],
            reason="x",
            by=assessor,
            now=period.document_deadline + dt.timedelta(seconds=1),
        )
    assert exc.value.messages == [str(svc.CLARIFICATION_CLOSED)]
    with pytest.raises(ValidationError):
        svc.request_clarification(
            evaluation=submitted, indicators=[], reason="x", by=assessor, now=timezone.now()
        )


def test_changes_since_lists_institution_events_only(submitted, assessor, operator):
    since = timezone.now()
    f.AuditEventFactory(evaluation=submitted, actor=operator, action="answer.saved")
    f.AuditEventFactory(evaluation=submitted, actor=assessor, action="assessment.answer_saved")
    assert [e.action for e in sel.changes_since(submitted, since)] == ["answer.saved"]
