"""Requesting documents: reuse, queueing after commit, guards, the bulk run, the ZIP."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations.models import AuditEvent, Evaluation, Report
from evaluations.services import reports as services
from tests import factories as f


@pytest.fixture
def released(framework_2018, evaluation):
    evaluation.period.framework = framework_2018
    evaluation.period.save()
    return f.answer_all_indicators(evaluation, self_level=3, final_level=2)


def test_request_report_queues_and_renders_after_commit(
    released, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = services.request_report(
            kind=Report.Kind.INSTITUTION, by=supervisor, evaluation=released, language="id"
        )
        assert report.status == Report.Status.QUEUED  # nothing ran inside the transaction
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert report.status == Report.Status.READY
    assert AuditEvent.objects.filter(action="report.requested", evaluation=released).exists()


def test_request_report_reuses_a_ready_report_with_the_same_source(
    released, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.request_report(
            kind=Report.Kind.INSTITUTION, by=supervisor, evaluation=released, language="id"
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = services.request_report(
            kind=Report.Kind.INSTITUTION, by=supervisor, evaluation=released, language="id"
        )
    assert again.pk == first.pk and again.status == Report.Status.READY
    assert callbacks == []


def test_request_report_requeues_when_the_source_changed(
    released, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.request_report(
            kind=Report.Kind.INSTITUTION, by=supervisor, evaluation=released, language="id"
        )
    released.aspect_notes.update(strengths="Berubah.")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = services.request_report(
            kind=Report.Kind.INSTITUTION, by=supervisor, evaluation=released, language="id"
        )
    assert again.pk == first.pk and again.status == Report.Status.QUEUED
    assert len(callbacks) == 1


def test_double_click_while_queued_enqueues_once(
    released, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        a = services.request_report(
            kind=Report.Kind.INSTITUTION, by=supervisor, evaluation=released, language="en"
        )
        b = services.request_report(
            kind=Report.Kind.INSTITUTION, by=supervisor, evaluation=released, language="en"
        )
    assert a.pk == b.pk and len(callbacks) == 1


def test_institution_report_is_refused_before_release(evaluation, assessor):
    with pytest.raises(ValidationError) as exc:
        services.request_report(
            kind=Report.Kind.INSTITUTION, by=assessor, evaluation=evaluation, language="id"
        )
    assert services.REPORT_NOT_RELEASED in exc.value.messages


def test_institution_report_is_forbidden_to_staff_before_release(evaluation, operator):
    with pytest.raises(PermissionDenied):
        services.request_report(
            kind=Report.Kind.INSTITUTION, by=operator, evaluation=evaluation, language="id"
        )


def test_other_institution_may_not_request(released, other_operator, coordinator):
    with pytest.raises(PermissionDenied):
        services.request_report(
            kind=Report.Kind.INSTITUTION, by=other_operator, evaluation=released, language="id"
        )
    with pytest.raises(PermissionDenied):
        services.request_receipt(evaluation=released, by=coordinator)


def test_receipt_needs_a_submission(evaluation, supervisor):
    with pytest.raises(ValidationError) as exc:
        services.request_receipt(evaluation=evaluation, by=supervisor)
    assert services.RECEIPT_NOT_SUBMITTED in exc.value.messages


def test_each_submission_gets_its_own_receipt(
    released, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.request_receipt(evaluation=released, by=supervisor)
    Evaluation.objects.filter(pk=released.pk).update(submission_count=2)
    released.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.request_receipt(evaluation=released, by=supervisor)
    assert first.pk != second.pk
    assert second.params == {"submission": 2} or second.params["submission"] == 2
    assert len(mailoutbox) == 2


def test_national_report_is_for_admins_only(period, operator, admin_user):
    with pytest.raises(PermissionDenied):
        services.request_report(kind=Report.Kind.NATIONAL, by=operator, period=period)
    report = services.request_report(kind=Report.Kind.NATIONAL, by=admin_user, period=period)
    assert report.kind == Report.Kind.NATIONAL and report.evaluation is None


def test_unknown_kind_is_refused(period, admin_user):
    with pytest.raises(ValidationError):
        services.request_report(kind=Report.Kind.EXPORT, by=admin_user, period=period)


def test_generate_period_reports_queues_released_only_then_skips_unchanged(
    released, admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    from evaluations import documents

    f.EvaluationFactory(period=released.period)  # not released: no report
    renders = []
    real = documents.render_document
    monkeypatch.setattr(
        documents, "render_document", lambda *a, **kw: renders.append(a[0]) or real(*a, **kw)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.generate_period_reports(period=released.period, by=admin_user) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.generate_period_reports(period=released.period, by=admin_user) == 1
    assert renders == [Report.Kind.INSTITUTION]  # the second run rendered nothing
    assert Report.objects.get(evaluation=released).status == Report.Status.READY


def test_generate_period_reports_refuses_when_nothing_released(period, evaluation, admin_user):
    with pytest.raises(ValidationError) as exc:
        services.generate_period_reports(period=period, by=admin_user)
    assert services.NOTHING_RELEASED in exc.value.messages


def test_generate_period_reports_is_for_admins(period, coordinator):
    with pytest.raises(PermissionDenied):
        services.generate_period_reports(period=period, by=coordinator)


def test_request_archive_needs_ready_reports_and_reuses_an_unchanged_zip(
    released, admin_user, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError):
        services.request_archive(period=released.period, by=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.generate_period_reports(period=released.period, by=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        archive = services.request_archive(period=released.period, by=admin_user)
    archive.refresh_from_db()
    assert archive.status == Report.Status.READY
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = services.request_archive(period=released.period, by=admin_user)
    assert again.pk == archive.pk and callbacks == []
