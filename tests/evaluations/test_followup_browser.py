"""A follow-up lifecycle in headless Chromium: a recommendation released, the supervisor
assigns it, then reports it done with a note and a PDF of evidence; the list shows the
owner and the status, and the next period's self-evaluation shows it beside the
indicator, where one click makes the file evidence of that indicator."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from evaluations.models import Evaluation, EvidenceLink, FollowUp, Phase
from evaluations.services.assessment import release_results
from institutions.models import Role
from tests import factories as f
from tests.browser import page_as
from tests.evaluations.assessment_helpers import set_status, small_framework
from tests.evaluations.selfeval_helpers import make_pdf


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_follow_up_assigned_done_and_shown_next_period(live_server, browser, tmp_path):
    # Last year's period, released; this year's is open now.
    year = dt.timedelta(days=365)
    period = f.EvaluationPeriodFactory(
        opens_at=timezone.now() - dt.timedelta(days=30) - year,
        deadline=timezone.now() + dt.timedelta(days=30) - year,
    )
    indicators = small_framework(period.framework)
    evaluation = f.EvaluationFactory(period=period)
    f.AnswerFactory(
        evaluation=evaluation,
        indicator=indicators[0],
        phase=Phase.DOCUMENT,
        level=2,
        recommendation="Tetapkan arsitektur SPBE instansi.",
    )
    set_status(evaluation, Evaluation.Status.APPROVED)
    admin = f.UserFactory(username="admin", role=Role.ADMIN, is_staff=True)
    release_results(period=period, by=admin, notify=False)
    supervisor = f.UserFactory(
        username="pj", role=Role.SUPERVISOR, institution=evaluation.institution
    )
    operator = f.UserFactory(
        username="op",
        first_name="Sari",
        last_name="Wulandari",
        role=Role.OPERATOR,
        institution=evaluation.institution,
    )

    page = page_as(browser, live_server, supervisor)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/follow-up/")
    page.screenshot(path=tmp_path / "followup_list_390.png", full_page=True)
    page.get_by_role("link", name="Tetapkan arsitektur SPBE instansi.").click()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.fill("#id_owner_unit", "Pusdatin")
    page.select_option("#id_owner", str(operator.pk))
    page.fill("#id_due_date", "2027-03-31")
    page.locator("form[action$='/assign/'] button[type=submit]").click()
    page.wait_for_load_state()
    page.select_option("#id_status", FollowUp.Status.DONE)
    page.fill("#id_note", "Peraturan arsitektur SPBE telah ditetapkan.")
    page.locator(
        f"form[action$='/follow-up/{FollowUp.objects.get().pk}/'] button[type=submit]"
    ).click()
    page.wait_for_load_state()
    assert "Peraturan arsitektur SPBE telah ditetapkan." in page.content()
    # Evidence of the follow-up: a PDF checked like an answer's evidence.
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "Perwal Arsitektur SPBE.pdf",
                "mimeType": "application/pdf",
                "buffer": make_pdf(pages=2),
            }
        ],
    )
    page.locator("form[action$='/evidence/upload/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert (
        "Perwal Arsitektur SPBE.pdf"
        in page.locator("[data-testid=follow-up-evidence]").inner_text()
    )
    page.screenshot(path=tmp_path / "followup_detail_1366.png", full_page=True)

    page.goto(f"{live_server.url}/follow-up/?status=done")
    table = page.locator("table").inner_text()
    assert "Pusdatin" in table and "Sari Wulandari" in table
    assert "Tetapkan arsitektur SPBE instansi." in table
    page.screenshot(path=tmp_path / "followup_list_1366.png", full_page=True)
    item = FollowUp.objects.get()
    assert item.status == FollowUp.Status.DONE and item.owner == operator

    # The next period's self-evaluation shows it beside last period's result, and one
    # click makes its file evidence of the indicator.
    later = f.EvaluationPeriodFactory(framework=period.framework)
    current = f.EvaluationFactory(institution=evaluation.institution, period=later)
    page.goto(f"{live_server.url}/evaluations/{current.pk}/indicators/{indicators[0].pk}/")
    box = page.locator("[data-testid=indicator-follow-ups]")
    box.wait_for()
    assert "Tetapkan arsitektur SPBE instansi." in box.inner_text()
    page.screenshot(path=tmp_path / "selfeval_follow_up_1366.png", full_page=True)
    box.get_by_role("button", name=re.compile("4.5")).click()
    page.wait_for_load_state()
    assert EvidenceLink.objects.filter(
        answer__evaluation=current,
        answer__indicator=indicators[0],
        evidence__original_name="Perwal Arsitektur SPBE.pdf",
    ).exists()
    assert "Perwal Arsitektur SPBE.pdf" in page.content()
