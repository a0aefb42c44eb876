"""The confirmation page after submitting, in Indonesian at phone and desktop width."""

import os

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from evaluations.models import Evaluation, Report
from tests import factories as f
from tests.browser import page_as

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_confirmation_page_fits_a_phone_and_a_desktop(
    live_server, browser, transactional_db, supervisor
):
    evaluation = f.EvaluationFactory(
        institution=supervisor.institution,
        status=Evaluation.Status.SUBMITTED,
        submitted_at=timezone.now(),
        submitted_by=supervisor,
        submission_count=1,
    )
    receipt = f.ReportFactory(
        kind=Report.Kind.RECEIPT,
        evaluation=evaluation,
        status=Report.Status.READY,
        params={"submission": 1},
    )
    receipt.file.save("r.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    issued = f.IssuedDocumentFactory(report=receipt, number="SPBE-TT-2026-00042")
    page = page_as(browser, live_server, supervisor, bypass_csp=False)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "id", "url": live_server.url}]
    )
    for width, height in ((390, 844), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/submitted/")
        main = page.inner_text("main")
        assert "Evaluasi mandiri telah dikirim" in main and issued.number in main
        assert "Langkah selanjutnya" in main
        page.get_by_role("link", name="Unduh tanda terima (PDF)").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/submission-done-{width}.png", full_page=True)
