"""End to end in headless Chromium: an operator fills an indicator (autosave) and uploads a
PDF, the supervisor completes and submits, and the evaluation is then read-only."""

import pytest

from evaluations.models import Answer, Evaluation, EvidenceLink
from evaluations.services import evidence as evidence_svc
from evaluations.services import selfeval as s
from tests import factories as f
from tests.browser import page_as

from .selfeval_helpers import make_pdf, small_framework, upload

pytestmark = pytest.mark.browser


def test_selfeval_operator_fills_supervisor_submits(
    live_server, browser, transactional_db, operator, supervisor, period, tmp_path
):
    indicators = small_framework(period)
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    first, *rest = indicators

    # The operator answers indicator 1: the autosave stores it without a click on Save.
    page = page_as(browser, live_server, operator)
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/")
    page.check("#id_level_1_3")
    page.locator("textarea[name='e1-note']").press_sequentially(
        "Peraturan Wali Kota tentang SPBE sudah ditetapkan.", delay=5
    )
    page.wait_for_selector("#answer-form-1[data-autosave-state=saved]", timeout=10_000)
    assert "Saved at" in page.inner_text("#save-status-1")
    answer = Answer.objects.get(evaluation=evaluation, indicator=first)
    assert answer.level == 3 and answer.note == "Peraturan Wali Kota tentang SPBE sudah ditetapkan."
    assert page.input_value("#version-1") == str(answer.version)

    # ... and uploads a PDF from the indicator page, linked to the entry: the entry's
    # evidence panel is replaced in place (no reload), with the outcome focused and the
    # state badge updated.
    page.evaluate("window.notReloaded = true")
    pdf_path = tmp_path / "Perwal SPBE.pdf"
    pdf_path.write_bytes(make_pdf(2))
    page.set_input_files("#upload-file-1", str(pdf_path))
    page.click(".evidence-upload-form button[type=submit]")
    page.wait_for_selector("text=uploaded (2 pages)", timeout=10_000)
    assert EvidenceLink.objects.filter(answer__indicator=first).count() == 1
    assert "Perwal SPBE.pdf" in page.inner_text(".evidence-links")
    assert page.evaluate("window.notReloaded") is True
    assert "uploaded (2 pages)" in page.evaluate("document.activeElement.textContent")
    assert "Complete" in page.inner_text("#indicator-state")

    # Leaving with unsaved text warns (beforeunload); accepting leaves the page.
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", on_dialog)
    page.locator("textarea[name='e1-note']").press_sequentially(" Tambahan", delay=5)
    page.goto(f"{live_server.url}/institution/")
    assert dialogs == ["beforeunload"]
    page.remove_listener("dialog", on_dialog)

    # The rest is prefilled to keep the test short.
    library = evidence_svc.upload_evidence(
        evaluation=evaluation, by=supervisor, uploaded_file=upload(make_pdf(3), "SOP.pdf")
    )
    for ind in rest:
        kwargs = {"service_name": "Perizinan online"} if ind.max_entries > 1 else {}
        a = s.save_answer(
            evaluation=evaluation,
            indicator=ind,
            by=supervisor,
            level=2,
            note="Sudah diterapkan",
            base_version=0,
            **kwargs,
        )
        evidence_svc.link_evidence(evidence=library, answer=a, by=supervisor)

    # The supervisor checks and submits (the browser asks to confirm).
    sup = page_as(browser, live_server, supervisor)
    sup.on("dialog", lambda dialog: dialog.accept())
    sup.goto(f"{live_server.url}/institution/")
    assert "3 / 3" in sup.inner_text(".progress-answered")
    sup.click(f"a[href='/evaluations/{evaluation.pk}/submit/']")
    sup.wait_for_selector(".self-index")
    assert sup.inner_text(".self-predicate").strip()
    sup.click("form[data-once] button[type=submit]")
    sup.wait_for_selector("text=The evaluation is now read-only", timeout=10_000)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED
    assert evaluation.submitted_by == supervisor and len(evaluation.submission_hash) == 64

    # Read-only afterwards: no save button, the inputs are disabled, the server refuses.
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/")
    assert page.locator("text=Save draft").count() == 0
    assert page.is_disabled("#id_level_1_3")
    assert page.locator(".evidence-upload-form").count() == 0


def test_an_upload_the_server_never_answered_says_it_was_not_added(
    live_server, browser, transactional_db, operator, period, tmp_path
):
    """The connection drops while the file is sent: the panel says the file was not
    added and why, instead of leaving the operator to guess."""
    first = small_framework(period)[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    page = page_as(browser, live_server, operator)
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/")
    page.route("**/evidence/upload/", lambda route: route.abort("connectionreset"))
    pdf_path = tmp_path / "Renstra.pdf"
    pdf_path.write_bytes(make_pdf())
    page.set_input_files("#upload-file-1", str(pdf_path))
    page.click(".evidence-upload-form button[type=submit]")
    page.wait_for_selector("#entry-evidence-1 [role=alert]", timeout=10_000)
    text = page.inner_text("#entry-evidence-1 [data-evidence-status]")
    assert "Not added" in text and "connection failed" in text
    assert page.is_hidden("#entry-evidence-1 progress.upload-progress")
    assert not EvidenceLink.objects.exists()
