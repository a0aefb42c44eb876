"""Reports pages: request, status (htmx partial and meta refresh), download, bulk page."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from evaluations.models import Evaluation, Report
from tests import factories as f
from tests.conftest import logged_in


def _ready_report(evaluation, **kw):
    report = f.ReportFactory(
        evaluation=evaluation,
        status=Report.Status.READY,
        filename="Laporan-Evaluasi-SPBE-2019-Kota-Alpha.pdf",
        finished_at=timezone.now(),
        **kw,
    )
    report.file.save("x.pdf", ContentFile(b"%PDF-1.7 test"))
    return report


@pytest.fixture
def released_evaluation(evaluation):
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.RELEASED, released_at=timezone.now()
    )
    evaluation.refresh_from_db()
    return evaluation


def test_download_is_an_attachment_with_the_published_name(client, supervisor, released_evaluation):
    report = _ready_report(released_evaluation)
    response = logged_in(client, supervisor).get(
        reverse("evaluations:report-download", kwargs={"pk": report.pk})
    )
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="Laporan-Evaluasi-SPBE-2019-Kota-Alpha.pdf"'
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"


def test_download_of_a_pending_report_goes_to_its_status_page(client, admin_user, evaluation):
    report = f.ReportFactory(evaluation=evaluation, status=Report.Status.QUEUED)
    response = logged_in(client, admin_user).get(
        reverse("evaluations:report-download", kwargs={"pk": report.pk})
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:report-detail", kwargs={"pk": report.pk})


def test_status_page_polls_with_htmx_and_refreshes_without_it(client, admin_user, evaluation):
    report = f.ReportFactory(evaluation=evaluation, status=Report.Status.RENDERING)
    response = logged_in(client, admin_user).get(
        reverse("evaluations:report-detail", kwargs={"pk": report.pk})
    )
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert reverse("evaluations:report-status", kwargs={"pk": report.pk}) in html
    assert '<meta http-equiv="refresh" content="2">' in html


def test_status_partial_stops_polling_when_ready(client, admin_user, evaluation):
    report = _ready_report(evaluation)
    response = logged_in(client, admin_user).get(
        reverse("evaluations:report-status", kwargs={"pk": report.pk})
    )
    html = response.content.decode()
    assert "hx-trigger" not in html
    assert reverse("evaluations:report-download", kwargs={"pk": report.pk}) in html


def test_status_partial_shows_the_error_of_a_failed_report(client, admin_user, evaluation):
    report = f.ReportFactory(
        evaluation=evaluation, status=Report.Status.FAILED, error="TemplateSyntaxError: x"
    )
    response = logged_in(client, admin_user).get(
        reverse("evaluations:report-status", kwargs={"pk": report.pk})
    )
    assert "TemplateSyntaxError: x" in response.content.decode()


def test_request_redirects_to_the_status_page(
    client, supervisor, framework_2018, released_evaluation, django_capture_on_commit_callbacks
):
    released_evaluation.period.framework = framework_2018
    released_evaluation.period.save()
    with django_capture_on_commit_callbacks(execute=False):
        response = logged_in(client, supervisor).post(
            reverse(
                "evaluations:report-request",
                kwargs={"pk": released_evaluation.pk, "kind": "institution"},
            )
        )
    report = Report.objects.get(evaluation=released_evaluation)
    assert response["Location"] == reverse("evaluations:report-detail", kwargs={"pk": report.pk})


def test_request_before_release_says_why(client, assessor, evaluation):
    response = logged_in(client, assessor).post(
        reverse("evaluations:report-request", kwargs={"pk": evaluation.pk, "kind": "institution"}),
        follow=True,
    )
    assert "available once the results are released" in response.content.decode()


def test_unknown_kind_is_404(client, admin_user, evaluation):
    response = logged_in(client, admin_user).post(
        reverse("evaluations:report-request", kwargs={"pk": evaluation.pk, "kind": "export"})
    )
    assert response.status_code == 404


def test_bulk_page_shows_x_of_n_and_polls_while_running(client, admin_user, period):
    evs = [f.EvaluationFactory(period=period, status=Evaluation.Status.RELEASED) for _ in range(3)]
    _ready_report(evs[0], language="en")  # the reader's language (tests run in English)
    f.ReportFactory(evaluation=evs[1], status=Report.Status.RENDERING, language="en")
    response = logged_in(client, admin_user).get(
        reverse("evaluations:period-reports", kwargs={"pk": period.pk})
    )
    html = response.content.decode()
    assert "1 of 3" in html
    assert '<progress class="w-100" max="3" value="1">' in html
    assert 'hx-trigger="every 2s"' in html


@pytest.mark.parametrize("n", [1, 30])
def test_bulk_progress_partial_query_count(
    client, admin_user, period, django_assert_num_queries, n
):
    """Guards an N+1 over the period's report rows in the bulk progress partial."""
    for i in range(n):
        ev = f.EvaluationFactory(period=period, status=Evaluation.Status.RELEASED)
        status = Report.Status.FAILED if i % 2 == 0 else Report.Status.QUEUED
        f.ReportFactory(evaluation=ev, status=status, language="en")
    logged_in(client, admin_user)
    url = reverse("evaluations:period-reports-progress", kwargs={"pk": period.pk})
    # session and user (2), period, total, counts by status, archive, failed list = 6
    with django_assert_num_queries(7):  # +1: the database session
        response = client.get(url)
    assert response.status_code == 200


def test_documents_page_lists_the_reports_the_user_may_have(client, coordinator, evaluation):
    f.ReportFactory(evaluation=evaluation, kind=Report.Kind.RECEIPT, status=Report.Status.READY)
    _ready_report(evaluation, language="en")
    response = logged_in(client, coordinator).get(
        reverse("evaluations:report-list", kwargs={"pk": evaluation.pk})
    )
    html = response.content.decode()
    assert "Institution evaluation report" in html
    assert "Submission receipt" not in html.split("<tbody>")[1]  # not the coordinator's
