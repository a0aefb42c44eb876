"""Document evaluation end to end in headless Chromium: the coordinator assigns, the
assessor scores (htmx autosave) and completes, the coordinator approves, the admin
releases, and the institution sees its result."""

import os

import pytest
from django.conf import settings as django_settings
from django.test import Client

from evaluations.models import Evaluation, Phase
from institutions.models import Role
from tests import factories as f
from tests.evaluations.assessment_helpers import small_framework, submit

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page_as(browser, live_server, user):
    """A fresh browser context logged in as `user`, in English."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="en-US")
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


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
    page = _page_as(browser, live_server, coordinator)
    page.goto(f"{live_server.url}/coordinator/?period={period.pk}")
    row = page.locator("#university-evaluations tr", has_text="Kota Alpha")
    row.locator("select[name=assessor]").select_option(str(assessor.pk))
    row.get_by_role("button", name="Assign").click()
    page.wait_for_load_state()
    assert "Ani Asesor" in page.locator("#university-evaluations").inner_text()

    # 2. The assessor scores the last indicator (htmx autosave) and completes.
    page = _page_as(browser, live_server, assessor)
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
    page = _page_as(browser, live_server, coordinator)
    page.goto(f"{live_server.url}/assessment/{evaluation.pk}/review/")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert "2.67" in page.locator(".result-index").inner_text()

    # 4. The institution sees nothing yet; the admin releases it.
    institution_page = _page_as(browser, live_server, operator)
    response = institution_page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/result/")
    assert response.status == 403
    page = _page_as(browser, live_server, admin)
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
