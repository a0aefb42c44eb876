"""The background life of a document: claim, render once, retry, fail, skip, reclaim."""

import datetime as dt

import pytest
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from evaluations import documents
from evaluations.models import Report
from evaluations.services import reports as services
from evaluations.tasks.reports import (
    build_archive_task,
    reclaim_stale_reports_task,
    render_report_task,
    send_receipt_task,
)
from spbe_portal.celery import app as celery_app
from tests import factories as f


@pytest.fixture
def released(framework_2018, institution):
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    ev = f.EvaluationFactory(institution=institution, period=period)
    return f.answer_all_indicators(ev, self_level=3, final_level=2)


@pytest.fixture
def queued(released):
    return f.ReportFactory(kind=Report.Kind.INSTITUTION, evaluation=released, language="en")


@pytest.fixture
def eager_retries():
    """Let eager Celery run a task's retries in place (as a worker would, minus the
    countdown) instead of propagating the Retry exception to the caller."""
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def count_renders(monkeypatch):
    calls = []
    real = documents.render_document

    def counting(kind, data, language, **kw):
        calls.append(kind)
        return real(kind, data, language, **kw)

    monkeypatch.setattr(documents, "render_document", counting)
    return calls


def test_render_task_makes_the_pdf_and_marks_ready(queued):
    render_report_task.delay(report_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == Report.Status.READY
    assert queued.filename.startswith("Laporan-Evaluasi-SPBE-2019-Kota-Alpha")
    assert queued.file.read().startswith(b"%PDF")
    assert queued.source_hash == documents.source_hash_for(
        Report.Kind.INSTITUTION, queued.evaluation, "en"
    )
    assert queued.attempts == 1 and queued.finished_at is not None


def test_second_delivery_does_nothing(queued, count_renders):
    render_report_task.delay(report_id=queued.pk)
    render_report_task.delay(report_id=queued.pk)
    queued.refresh_from_db()
    assert count_renders == [Report.Kind.INSTITUTION]
    assert queued.attempts == 1


def test_gone_report_is_ignored(db):
    assert render_report_task.delay(report_id=987654).result is None


def test_template_error_marks_failed_with_the_message(queued, monkeypatch):
    def broken(kind, data, language, **kw):
        raise ValueError("the template needs a field that is missing")

    monkeypatch.setattr(documents, "render_document", broken)
    render_report_task.delay(report_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == Report.Status.FAILED
    assert "the template needs a field that is missing" in queued.error
    assert queued.attempts == 1  # permanent: not retried


def test_transient_error_is_retried_then_ready(queued, monkeypatch, eager_retries):
    real = documents.render_document
    failures = []

    def flaky(kind, data, language, **kw):
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real(kind, data, language, **kw)

    monkeypatch.setattr(documents, "render_document", flaky)
    render_report_task.delay(report_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == Report.Status.READY
    assert queued.attempts == 3  # claimed again after each requeue


def test_transient_error_gives_up_after_three_retries(queued, monkeypatch, eager_retries):
    def down(kind, data, language, **kw):
        raise OSError("storage unavailable")

    monkeypatch.setattr(documents, "render_document", down)
    render_report_task.delay(report_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == Report.Status.FAILED
    assert "storage unavailable" in queued.error
    assert queued.attempts == 4  # the first run and three retries


def test_unchanged_source_is_not_rendered_again(queued, count_renders):
    render_report_task.delay(report_id=queued.pk)
    first_name = queued.__class__.objects.get(pk=queued.pk).file.name
    Report.objects.filter(pk=queued.pk).update(status=Report.Status.QUEUED)
    render_report_task.delay(report_id=queued.pk)
    queued.refresh_from_db()
    assert count_renders == [Report.Kind.INSTITUTION]
    assert queued.status == Report.Status.READY and queued.file.name == first_name


def test_changed_source_is_rendered_again(queued, count_renders):
    render_report_task.delay(report_id=queued.pk)
    note = queued.evaluation.aspect_notes.first()
    note.weaknesses = "Belum ada arsitektur SPBE."
    note.save()
    Report.objects.filter(pk=queued.pk).update(status=Report.Status.QUEUED)
    render_report_task.delay(report_id=queued.pk)
    assert count_renders == [Report.Kind.INSTITUTION, Report.Kind.INSTITUTION]


def test_stale_rendering_row_is_reclaimed(queued, count_renders):
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Report.objects.filter(pk=queued.pk).update(
        status=Report.Status.RENDERING, claimed_at=long_ago, attempts=1
    )
    fresh = f.ReportFactory(
        kind=Report.Kind.INSTITUTION,
        evaluation=queued.evaluation,
        language="id",
        status=Report.Status.RENDERING,
        claimed_at=timezone.now(),
    )
    assert reclaim_stale_reports_task.delay().result == 1
    queued.refresh_from_db()
    fresh.refresh_from_db()
    assert queued.status == Report.Status.READY and queued.attempts == 2
    assert fresh.status == Report.Status.RENDERING  # its worker is still within the limit


def test_rendering_row_within_the_time_limit_is_not_claimed(queued, count_renders):
    Report.objects.filter(pk=queued.pk).update(
        status=Report.Status.RENDERING, claimed_at=timezone.now()
    )
    render_report_task.delay(report_id=queued.pk)
    assert count_renders == []


def test_receipt_is_emailed_to_supervisors_once_with_the_pdf(
    framework_2018, institution, supervisor, operator, mailoutbox
):
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    ev = f.answer_all_indicators(
        f.EvaluationFactory(institution=institution, period=period), released=False, by=operator
    )
    receipt = f.ReportFactory(
        kind=Report.Kind.RECEIPT, evaluation=ev, language="id", params={"submission": 1}
    )
    render_report_task.delay(report_id=receipt.pk)  # enqueues the email (eager)
    send_receipt_task.delay(report_id=receipt.pk)  # a second delivery sends nothing
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [supervisor.email]
    (name, content, _mime) = message.attachments[0]
    assert name.startswith("Tanda-Terima-SPBE-2019-Kota-Alpha") and content.startswith(b"%PDF")
    receipt.refresh_from_db()
    assert receipt.params["emailed_at"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("already_rendered", [False, True], ids=["new", "unchanged"])
def test_a_receipt_is_ready_only_with_its_email_queued(
    framework_2018, institution, supervisor, operator, monkeypatch, already_rendered
):
    """A worker killed between marking a receipt READY and queuing its email left a
    receipt nobody would ever email: the two are one transaction now, for a new
    rendering and for the content-hash skip alike. Queuing the email failing stands in
    for the worker dying at that point."""
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    ev = f.answer_all_indicators(
        f.EvaluationFactory(institution=institution, period=period), released=False, by=operator
    )
    receipt = f.ReportFactory(
        kind=Report.Kind.RECEIPT, evaluation=ev, language="id", params={"submission": 1}
    )
    if already_rendered:
        # Rendered before, its email queued but not yet sent; asked for again, the
        # source is unchanged, so the next run takes the content-hash skip.
        monkeypatch.setattr(services, "enqueue", lambda task, **kwargs: None)
        services.generate_report(report_id=receipt.pk)
        Report.objects.filter(pk=receipt.pk).update(status=Report.Status.QUEUED)
    stored = Report.objects.get(pk=receipt.pk).file.name

    def outbox_unavailable(task, **kwargs):
        raise DatabaseError("the outbox could not be written")

    monkeypatch.setattr(services, "enqueue", outbox_unavailable)
    with pytest.raises(DatabaseError):
        services.generate_report(report_id=receipt.pk)
    receipt.refresh_from_db()
    # Still claimed, not READY: the reclaim job produces it again once the claim is
    # stale, and that run queues the email.
    assert receipt.status == Report.Status.RENDERING
    assert receipt.file.name == stored  # none before; the earlier file, unchanged
    assert not receipt.params.get("emailed_at")


def test_archive_zips_every_ready_report_with_progress(released, admin_user):
    import io
    import zipfile

    other = f.answer_all_indicators(
        f.EvaluationFactory(period=released.period), self_level=2, final_level=2
    )
    for ev in (released, other):
        r = f.ReportFactory(kind=Report.Kind.INSTITUTION, evaluation=ev, language="id")
        render_report_task.delay(report_id=r.pk)
    archive = f.ReportFactory(
        kind=Report.Kind.ARCHIVE, evaluation=None, period=released.period, format="zip"
    )
    build_archive_task.delay(report_id=archive.pk)
    archive.refresh_from_db()
    assert archive.status == Report.Status.READY
    assert (archive.progress_done, archive.progress_total) == (2, 2)
    names = zipfile.ZipFile(io.BytesIO(archive.file.read())).namelist()
    assert "Laporan-Evaluasi-SPBE-2019-Kota-Alpha.pdf" in names and len(names) == 2
    assert archive.filename == "Laporan-Evaluasi-SPBE-2019-Semua-Instansi.zip"


def test_archive_task_second_delivery_does_nothing(released):
    archive = f.ReportFactory(
        kind=Report.Kind.ARCHIVE,
        evaluation=None,
        period=released.period,
        status=Report.Status.READY,
    )
    build_archive_task.delay(report_id=archive.pk)
    archive.refresh_from_db()
    assert archive.attempts == 0


def test_generate_report_returns_none_when_not_claimable(queued):
    Report.objects.filter(pk=queued.pk).update(status=Report.Status.READY)
    assert services.generate_report(report_id=queued.pk) is None
