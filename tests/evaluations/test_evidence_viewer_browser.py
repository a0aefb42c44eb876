"""In Chromium: the assessor opens a PDF whose OpenAction runs JavaScript from the scoring
page. It is drawn by pdf.js in the frame beside the form, its script never runs, and
the page reports no CSP violation."""

import os

import pytest

from evaluations.models import Phase
from tests import factories as f
from tests.browser import page_as
from tests.test_csp_browser import LISTEN

from .assessment_helpers import small_framework, submit
from .hostile_pdfs import open_action_javascript

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_assessor_reads_hostile_evidence_in_the_pdfjs_frame(
    live_server, browser, transactional_db, evaluation, assessor
):
    indicators = small_framework(evaluation.period.framework, n=2)
    submit(evaluation, indicators=indicators)
    answer = evaluation.answers.get(indicator=indicators[0], phase=Phase.SELF)
    evidence = f.EvidenceFileFactory(
        evaluation=evaluation,
        title="Perwali SPBE",
        file__data=open_action_javascript(),
        active_content=["javascript", "auto_action"],
    )
    f.EvidenceLinkFactory(answer=answer, evidence=evidence)

    page = page_as(browser, live_server, assessor, bypass_csp=False)
    page.context.add_init_script(LISTEN)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/assessment/{evaluation.pk}/")
    row = page.locator(f"#ind-{indicators[0].number}-1")
    assert "Active content" in row.inner_text()
    row.locator("a.evidence-open").click()

    frame = page.frame_locator(f"#evidence-frame-{indicators[0].pk}-1")
    frame.locator("#pdf-pages[data-rendered='1'] canvas").wait_for(timeout=20_000)
    assert "Active content" in frame.locator("header").inner_text()
    # The form is still there beside the document.
    assert row.locator("form").count() >= 1
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/scoring-viewer-1366.png", full_page=False)
        page.set_viewport_size({"width": 390, "height": 844})
        row.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/scoring-viewer-390.png", full_page=False)
    assert dialogs == []
    assert page.evaluate("window.__cspViolations") == []
    inner = next(fr for fr in page.frames if fr.url.endswith(f"/evidence/{evidence.pk}/view/"))
    assert inner.evaluate("window.__cspViolations") == []
