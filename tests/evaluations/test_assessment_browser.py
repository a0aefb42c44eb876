"""Document evaluation end to end in headless Chromium: the coordinator assigns, the
assessor scores (htmx autosave) and completes, the coordinator approves, the admin
releases, and the institution sees its result."""

import pytest

from evaluations.models import Evaluation, Phase
from institutions.models import Role
from tests import factories as f
from tests.browser import page_as
from tests.evaluations.assessment_helpers import small_framework, submit


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_assign_score_complete_approve_release_result(live_server, browser):
    period = f.EvaluationPeriodFactory()
    indicators = small_framework(period.framework)
    university = f.UniversityFactory(code="ui", short_name="UI")
    coordinator = f.UserFactory(username="koor", role=Role.COORDINATOR, university=university)
    assessor = f.UserFactory(
        username="asesor",
        first_name="Ani",
        last_name="Asesor",
        role=Role.ASSESSOR,
        university=university,
    )
    admin = f.UserFactory(username="admin", role=Role.ADMIN, is_staff=True)
    evaluation = f.EvaluationFactory(
        period=period, university=university, institution=f.InstitutionFactory(name="Kota Alpha")
    )
    operator = f.UserFactory(role=Role.OPERATOR, institution=evaluation.institution)
    submit(evaluation, levels=(4, 3, 3), indicators=indicators)
    # Two of three indicators already scored (keeps the browser part short).
    for indicator, level in zip(indicators[:2], (3, 3), strict=True):
        f.AnswerFactory(
            evaluation=evaluation,
            indicator=indicator,
            level=level,
            phase=Phase.DOCUMENT,
            note="Sesuai",
        )

    # 1. The coordinator assigns the assessor by hand.
    page = page_as(browser, live_server, coordinator, accept_dialogs=True)
    page.goto(f"{live_server.url}/coordinator/?period={period.pk}")
    row = page.locator("#university-evaluations tr", has_text="Kota Alpha")
    row.locator("select[name=assessor]").select_option(str(assessor.pk))
    row.get_by_role("button", name="Assign").click()
    page.wait_for_load_state()
    assert "Ani Asesor" in page.locator("#university-evaluations").inner_text()

    # 2. The assessor scores the last indicator (htmx autosave) and completes.
    page = page_as(browser, live_server, assessor, accept_dialogs=True)
    page.goto(f"{live_server.url}/assessor/")
    page.get_by_role("link", name="Open").click()
    form = page.locator(f"#score-{indicators[2].pk}-1")
    form.locator("textarea[name=note]").fill("Bukti penerapan hanya sebagian unit.")
    form.locator("textarea[name=recommendation]").fill("Perluas penerapan ke seluruh OPD.")
    form.locator("select[name=level]").select_option("2")
    page.locator(f"#score-{indicators[2].pk}-1 .save-ok").wait_for()
    page.reload()
    page.get_by_role("button", name="Mark complete").click()
    page.wait_for_url(f"{live_server.url}/assessor/")
    assert "Assessed" in page.locator("#assessor-queue").inner_text()

    # 3. The coordinator approves: the index is computed.
    page = page_as(browser, live_server, coordinator, accept_dialogs=True)
    page.goto(f"{live_server.url}/assessment/{evaluation.pk}/review/")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert "2.67" in page.locator(".result-index").inner_text()

    # 4. The institution sees nothing yet; the admin releases it.
    institution_page = page_as(browser, live_server, operator, accept_dialogs=True)
    response = institution_page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/result/")
    assert response.status == 403
    page = page_as(browser, live_server, admin, accept_dialogs=True)
    page.goto(f"{live_server.url}/assessment/periods/{period.pk}/release/")
    page.locator(f"#rel-{evaluation.pk}").check()
    page.get_by_role("button", name="Release the chosen results").click()
    page.wait_for_load_state()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.RELEASED

    # 5. The institution sees its result.
    institution_page.goto(f"{live_server.url}/results/")
    institution_page.get_by_role("link", name="Open").click()
    body = institution_page.locator("main").inner_text()
    assert "2.67" in body and "Baik" in body
    assert "Perluas penerapan ke seluruh OPD." in body
