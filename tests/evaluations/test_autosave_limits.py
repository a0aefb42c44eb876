"""The server side of autosave: a level saved before its explanation is a draft, the
explanation is required to complete, every free-text field has a limit with a message in
the user's language, the audit trail keeps long texts short, and the autosave answer
carries the saved time to the second and the badges and counters the page shows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from evaluations import text_limits
from evaluations.models import Answer, AuditEvent, Evaluation, Phase
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import small_framework, submit

from .selfeval_helpers import small_framework as self_framework


def _score_url(ev, indicator, entry=1):
    return reverse("evaluations:assessment-answer-save", args=[ev.pk, indicator.pk, entry])


def _edit_url(ev, indicator):
    return reverse("evaluations:answer-edit", args=[ev.pk, indicator.pk])


@pytest.fixture
def scoring(evaluation, period):
    indicators = small_framework(period.framework)
    submit(evaluation, levels=(4, 3, 2), indicators=indicators)
    return evaluation, indicators


def test_level_without_explanation_is_a_draft_and_blocks_completion(client, assessor, scoring):
    evaluation, indicators = scoring
    logged_in(client, assessor)
    response = client.post(
        _score_url(evaluation, indicators[0]), {"level": 3, "version": 0}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'data-autosave-result="saved"' in html
    assert re.search(r"Saved at \d\d:\d\d:\d\d", html)
    # The page's counter and status come with the answer: 3 entries still lack an explanation.
    assert 'id="missing-count"' in html and "3 entries still to score" in html
    assert "Under assessment" in html
    answer = Answer.objects.get(
        evaluation=evaluation, indicator=indicators[0], phase=Phase.DOCUMENT
    )
    assert (answer.level, answer.note) == (3, "")

    # Completing is refused; the page lists what is missing, with links to the entries.
    response = client.post(reverse("evaluations:assessment-complete", args=[evaluation.pk]))
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.UNDER_ASSESSMENT
    page = client.get(reverse("evaluations:assessment-score", args=[evaluation.pk])).content
    page = page.decode()
    missing = _missing_links(page)
    assert all(f'href="#ind-{i.number}-1"' in missing for i in indicators)
    assert "Draft: an explanation is required" in page

    client.post(
        _score_url(evaluation, indicators[0]),
        {"level": 3, "note": "Sesuai bukti", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    page = client.get(reverse("evaluations:assessment-score", args=[evaluation.pk])).content
    missing = _missing_links(page.decode())
    assert 'href="#ind-1-1"' not in missing and 'href="#ind-2-1"' in missing


def _missing_links(page: str) -> str:
    """The list of entries still to score (the jump list links every indicator)."""
    start = page.index('class="small mb-3 missing-links"')
    return page[start : page.index("</nav>", start)]


def test_explanation_over_the_limit_is_refused_with_a_message(client, assessor, scoring):
    evaluation, indicators = scoring
    logged_in(client, assessor)
    long_text = "a" * (text_limits.EXPLANATION + 1)
    response = client.post(
        _score_url(evaluation, indicators[0]),
        {"level": 3, "note": long_text, "version": 0},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="id",
    )
    html = response.content.decode()
    assert 'data-autosave-result="error"' in html
    assert "5000" in html and "5001" in html  # Django's max_length message, in Indonesian
    assert not Answer.objects.filter(evaluation=evaluation, phase=Phase.DOCUMENT).exists()


def test_justification_limit_and_short_audit_row(client, operator, period):
    from tests import factories as f

    indicator = self_framework(period)[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    logged_in(client, operator)
    url = _edit_url(evaluation, indicator)
    fine = "b" * text_limits.JUSTIFICATION
    response = client.post(
        url,
        {"entry": 1, "e1-entry": 1, "e1-base_version": 0, "e1-level": 2, "e1-note": fine},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-autosave-result="saved"' in response.content.decode()
    # The title badge follows the save (level and text, no evidence yet).
    assert 'id="indicator-state"' in response.content.decode()
    assert "Missing evidence" in response.content.decode()
    event = AuditEvent.objects.get(action="answer.saved", evaluation=evaluation)
    old, new = event.changes["note"]
    assert old == "" and len(new) < text_limits.AUDIT_TEXT + 20
    assert new.endswith(f"[{text_limits.JUSTIFICATION:,}]")

    response = client.post(
        url,
        {"entry": 1, "e1-entry": 1, "e1-base_version": 1, "e1-level": 2, "e1-note": fine + "c"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert 'data-autosave-result="error"' in html and "10000" in html
    assert Answer.objects.get(evaluation=evaluation, indicator=indicator).note == fine


def test_service_refuses_long_text_from_any_caller(operator, period):
    from django.core.exceptions import ValidationError

    from evaluations.services import selfeval as s
    from tests import factories as f

    indicator = self_framework(period)[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    with pytest.raises(ValidationError) as exc:
        s.save_answer(
            evaluation=evaluation,
            indicator=indicator,
            by=operator,
            level=1,
            note="x" * (text_limits.JUSTIFICATION + 1),
            base_version=0,
        )
    assert "at most 10,000" in " ".join(exc.value.messages)
    assert not Answer.objects.filter(evaluation=evaluation).exists()


def test_too_large_request_gets_a_page_that_says_so(client, assessor, scoring, settings):
    evaluation, indicators = scoring
    settings.DEBUG = False
    logged_in(client, assessor)
    body = {"level": 3, "note": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    response = client.post(_score_url(evaluation, indicators[0]), body)
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not Answer.objects.filter(evaluation=evaluation, phase=Phase.DOCUMENT).exists()
