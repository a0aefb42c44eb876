"""Exports: the files opened back with csv and openpyxl; the Celery build with progress;
the permission-checked download; idempotent task."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluations.models import Evaluation, Phase, Report
from evaluations.services import monitoring as services
from evaluations.tasks.monitoring import build_export_task
from tests import factories as f
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(period, admin_user):
    """Two institutions: one answered and validated with evidence, one not started."""
    aspect = f.AspectFactory(domain=f.DomainFactory(framework=period.framework))
    i1 = f.IndicatorFactory(aspect=aspect, framework=period.framework, number=1)
    i2 = f.IndicatorFactory(aspect=aspect, framework=period.framework, number=2)
    done = f.EvaluationFactory(
        period=period,
        institution=f.InstitutionFactory(code="5171", name="Kota Denpasar"),
        status=Evaluation.Status.RELEASED,
        answered_count=2,
        evidenced_count=1,
        validated_count=2,
        submitted_at=timezone.now(),
        submitted_by=admin_user,
        self_index=Decimal("3.00"),
        self_predicate="Baik",
        final_index=Decimal("2.50"),
        final_predicate="Cukup",
    )
    a1 = f.AnswerFactory(evaluation=done, indicator=i1, level=3, note="Ada SK walikota")
    f.AnswerFactory(evaluation=done, indicator=i2, level=3, note="=SUM(A1)")
    evidence = f.EvidenceFileFactory(evaluation=done)
    f.EvidenceLinkFactory(answer=a1, evidence=evidence)
    f.EvidenceLinkFactory(answer=a1, evidence=f.EvidenceFileFactory(evaluation=done))
    f.AnswerFactory(evaluation=done, indicator=i1, level=2, phase=Phase.DOCUMENT, note="Kurang")
    f.AnswerFactory(evaluation=done, indicator=i2, level=3, phase=Phase.DOCUMENT, note="Sesuai")
    f.EvaluationFactory(
        period=period, institution=f.InstitutionFactory(code="5172", name="Kota Belum")
    )
    return period


def _build(admin_user, period, dataset, fmt, capture):
    with capture(execute=True):
        report = services.request_export(period=period, dataset=dataset, fmt=fmt, by=admin_user)
    report.refresh_from_db()
    assert report.status == Report.Status.READY, report.error
    return report


def _csv_rows(content: bytes):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_answers_csv_has_levels_justification_and_evidence_count(
    admin_user, filled, django_capture_on_commit_callbacks
):
    report = _build(admin_user, filled, "answers", "csv", django_capture_on_commit_callbacks)
    rows = _csv_rows(report.file.read())
    assert rows[0][:4] == ["Code", "Institution", "Kind", "Indicator"]
    assert rows[1:] == [
        ["5171", "Kota Denpasar", "City", "1", "1", "", "3", "Ada SK walikota", "2", "2", "Kurang"],
        ["5171", "Kota Denpasar", "City", "2", "1", "", "3", "'=SUM(A1)", "0", "3", "Sesuai"],
    ]
    assert report.filename.endswith("-answers.csv")
    assert (report.progress_done, report.progress_total) == (2, 2)


def test_results_xlsx_has_self_and_validated_index(
    admin_user, filled, django_capture_on_commit_callbacks
):
    report = _build(admin_user, filled, "results", "xlsx", django_capture_on_commit_callbacks)
    sheet = load_workbook(io.BytesIO(report.file.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["Institution"] == "Kota Denpasar"
    assert (first["Self-assessed index"], first["Self-assessed predicate"]) == (3.0, "Baik")
    assert (first["Validated index"], first["Validated predicate"]) == (2.5, "Cukup")
    second = dict(zip(header, rows[2], strict=True))
    assert (second["Institution"], second["Validated index"]) == ("Kota Belum", None)
    assert len(rows) == 3


def test_progress_list_download_csv_and_xlsx(client, admin_user, filled):
    client = logged_in(client, admin_user)
    url = reverse("evaluations:export-progress")
    response = client.get(url, {"period": filled.pk, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response.content)
    by_code = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_code["5171"]["Status"] == "Released"
    assert (by_code["5171"]["Answered"], by_code["5171"]["With evidence"]) == ("2", "1")
    assert by_code["5172"]["Status"] == "Not started"
    response = client.get(url, {"period": filled.pk, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert [v[0] for v in values[1:]] == ["5171", "5172"]
    assert values[1][6] == 2  # answered, a number in the sheet


def test_export_view_flow_progress_and_download(
    client, admin_user, filled, django_capture_on_commit_callbacks
):
    client = logged_in(client, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluations:export-create"),
            {"period": filled.pk, "dataset": "answers", "format": "xlsx"},
        )
    report = Report.objects.get(kind=Report.Kind.EXPORT)
    assert response["Location"] == reverse("evaluations:export-status", args=[report.pk])
    status_html = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="ready"' in status_html
    assert reverse("evaluations:export-download", args=[report.pk]) in status_html
    download = client.get(reverse("evaluations:export-download", args=[report.pk]))
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == 3


def test_export_status_polls_while_queued(client, admin_user, period):
    report = f.ReportFactory(
        kind=Report.Kind.EXPORT,
        evaluation=None,
        period=period,
        params={"dataset": "answers"},
        progress_done=3,
        progress_total=10,
        status=Report.Status.RENDERING,
    )
    html = (
        logged_in(client, admin_user)
        .get(reverse("evaluations:export-status", args=[report.pk]), HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert 'hx-trigger="every 2s"' in html
    assert "3 of 10 institutions" in html
    assert 'width="30"' in html


def test_build_export_task_is_idempotent(admin_user, filled):
    report = Report.objects.create(
        kind=Report.Kind.EXPORT, period=filled, format="csv", params={"dataset": "results"}
    )
    build_export_task(report_id=report.pk)
    report.refresh_from_db()
    finished = report.finished_at
    build_export_task(report_id=report.pk)  # second delivery: already READY, nothing
    report.refresh_from_db()
    assert (report.status, report.finished_at, report.attempts) == (
        Report.Status.READY,
        finished,
        1,
    )
    build_export_task(report_id=999999)  # gone: logged, no error


def test_unknown_dataset_fails_the_report(admin_user, period):
    report = Report.objects.create(
        kind=Report.Kind.EXPORT, period=period, format="csv", params={"dataset": "nope"}
    )
    with pytest.raises(ValueError, match="nope"):
        services.build_export(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert "nope" in report.error


def test_request_export_refuses_non_admins_and_unknown_formats(operator, admin_user, period):
    with pytest.raises(services.PermissionDenied):
        services.request_export(period=period, dataset="answers", fmt="csv", by=operator)
    with pytest.raises(services.ValidationError):
        services.request_export(period=period, dataset="answers", fmt="pdf", by=admin_user)
    assert not Report.objects.exists()
