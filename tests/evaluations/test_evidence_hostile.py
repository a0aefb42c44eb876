"""The hostile upload set (tests/evaluations/hostile_pdfs.py): what the portal does with each.

Refused files never reach the library; accepted files with active content carry a flag
that the institution (library, indicator page) and the assessor (scoring page, viewer)
see, and none of them can be opened by the browser's own PDF viewer.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations import evidence as e
from evaluations.models import EvidenceFile
from evaluations.services import evidence as evidence_svc
from tests.conftest import logged_in

from .hostile_pdfs import HOSTILE_SET, open_action_javascript
from .selfeval_helpers import make_pdf, small_framework, upload


@pytest.mark.parametrize("name", list(HOSTILE_SET))
def test_hostile_set_is_refused_or_flagged(name):
    build, expected = HOSTILE_SET[name]
    try:
        got = e.check_pdf(upload(build(), f"{name}.pdf")).active_content
    except ValidationError as refusal:
        got = f"refused:{refusal.code}"
    assert got == expected


def test_pdf_header_must_be_at_byte_zero():
    assert e.check_pdf(upload(make_pdf())).page_count == 1
    shifted = b" " + make_pdf()
    with pytest.raises(ValidationError) as exc:
        e.check_pdf(upload(shifted))
    assert exc.value.code == "not_pdf"


@pytest.fixture
def flagged(evaluation, operator):
    small_framework(evaluation.period, n=1)
    return evidence_svc.upload_evidence(
        evaluation=evaluation,
        by=operator,
        uploaded_file=upload(open_action_javascript(), "Perwali.pdf"),
        title="Perwali SPBE",
    )


def test_upload_stores_the_flag_and_audits_it(flagged):
    flagged.refresh_from_db()
    assert flagged.active_content == ["javascript", "auto_action"]
    event = flagged.evaluation.events.get(action="evidence.uploaded")
    assert event.changes["active_content"] == [None, ["javascript", "auto_action"]]


def test_library_shows_the_flag_to_the_institution(client, flagged, operator):
    html = logged_in(client, operator).get(
        reverse("evaluations:evidence-list", args=[flagged.evaluation.pk])
    )
    text = html.content.decode()
    assert "Active content" in text and "JavaScript" in text
    assert "an action that runs on opening" in text
    # Read on screen through the pdf.js viewer; the file link itself downloads.
    assert reverse("evaluations:evidence-view", args=[flagged.pk]) in text


def test_clean_file_has_no_flag(client, evaluation, operator):
    small_framework(evaluation.period, n=1)
    clean = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    assert EvidenceFile.objects.get(pk=clean.pk).active_content == []
    text = (
        logged_in(client, operator)
        .get(reverse("evaluations:evidence-list", args=[evaluation.pk]))
        .content.decode()
    )
    assert "Active content" not in text


def test_viewer_shows_the_flag_and_loads_pdfjs_without_scripting(client, flagged, operator):
    response = logged_in(client, operator).get(
        reverse("evaluations:evidence-view", args=[flagged.pk])
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Active content" in text
    assert "vendor/pdfjs/pdf.min.mjs" in text and "pdf.sandbox" not in text
    # The scoring page may frame the viewer; the CSP agrees with X-Frame-Options.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


def test_download_of_a_flagged_file_is_an_attachment_with_nosniff(client, flagged, operator):
    response = logged_in(client, operator).get(
        reverse("evaluations:evidence-download", args=[flagged.pk]) + "?inline=1"
    )
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "DENY"
