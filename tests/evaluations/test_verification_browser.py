"""The page a document's QR code opens, as a phone and a desktop show it: public,
Indonesian, under the portal's CSP, and no wider than the screen."""

import os

import pytest
from django.conf import settings
from django.utils import timezone

from evaluations.models import Evaluation, Report
from tests import factories as f

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_verification_page_fits_a_phone_and_a_desktop(live_server, browser, transactional_db):
    evaluation = f.EvaluationFactory(
        status=Evaluation.Status.RELEASED, released_at=timezone.now(), submission_count=1
    )
    report = f.ReportFactory(kind=Report.Kind.INSTITUTION, evaluation=evaluation)
    issued = f.IssuedDocumentFactory(report=report, evaluation=evaluation)
    for width, height in ((390, 844), (1366, 768)):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "id", "url": live_server.url}]
        )
        page = context.new_page()
        response = page.goto(f"{live_server.url}/verifikasi/{issued.number}/")
        assert response.status == 200
        body = page.inner_text("main")
        assert "Verifikasi dokumen" in body
        assert issued.number in body and evaluation.institution.name in body
        assert issued.sha256 in body.replace("\n", "")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/document-verify-{width}.png", full_page=True)
        context.close()
