"""The confirmation page after submitting: time to the second, the receipt's number and
download once it is ready, the truth while it is not, and what happens next."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from evaluations.models import Evaluation, Report
from evaluations.wib import WIB
from tests import factories as f
from tests.conftest import logged_in


@pytest.fixture
def submitted(evaluation, supervisor):
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.SUBMITTED,
        submitted_at=dt.datetime(2026, 10, 31, 23, 59, 58, tzinfo=WIB),
        submitted_by=supervisor,
        submission_count=1,
    )
    evaluation.refresh_from_db()
    return evaluation


def _page(client, user, evaluation):
    url = reverse("evaluations:submission-done", args=[evaluation.pk])
    return logged_in(client, user).get(url)


def test_ready_receipt_shows_its_number_and_a_download(client, submitted, supervisor):
    receipt = f.ReportFactory(
        kind=Report.Kind.RECEIPT,
        evaluation=submitted,
        status=Report.Status.READY,
        params={"submission": 1},
    )
    receipt.file.save("r.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    issued = f.IssuedDocumentFactory(report=receipt, number="SPBE-TT-2026-00007")
    html = _page(client, supervisor, submitted).content.decode()
    assert "Self-evaluation submitted" in html
    assert "31-10-2026 23:59:58 WIB" in html
    assert issued.number in html
    assert reverse("evaluations:report-download", args=[receipt.pk]) in html
    assert "What happens next" in html
    assert reverse("evaluations:report-list", args=[submitted.pk]) in html


def test_receipt_still_rendering_is_said_so_without_a_number(client, submitted, operator):
    receipt = f.ReportFactory(
        kind=Report.Kind.RECEIPT, evaluation=submitted, params={"submission": 1}
    )
    html = _page(client, operator, submitted).content.decode()
    assert "The receipt is being prepared" in html
    assert reverse("evaluations:report-detail", args=[receipt.pk]) in html
    assert "Receipt number" not in html
    assert reverse("evaluations:report-download", args=[receipt.pk]) not in html


def test_receipt_of_an_earlier_submission_is_not_offered(client, submitted, operator):
    old = f.ReportFactory(
        kind=Report.Kind.RECEIPT,
        evaluation=submitted,
        status=Report.Status.READY,
        params={"submission": 0},
    )
    html = _page(client, operator, submitted).content.decode()
    assert reverse("evaluations:report-download", args=[old.pk]) not in html


def test_not_submitted_goes_back_to_the_dashboard(client, evaluation, operator):
    response = _page(client, operator, evaluation)
    assert response["Location"] == reverse("evaluations:institution-dashboard")
