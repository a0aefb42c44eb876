"""The operator's way through the indicators in Chromium: "continue" from the dashboard,
then "save and go to the next indicator", with the page's own scripts (autosave) on."""

import os

import pytest

from evaluations.models import Answer
from tests.browser import page_as

from .selfeval_helpers import small_framework

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_continue_then_save_and_next(live_server, browser, transactional_db, evaluation, operator):
    indicators = small_framework(evaluation.period, multi=False)
    page = page_as(browser, live_server, operator, bypass_csp=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/institution/")
    page.get_by_role("link", name="Continue with indicator 1").click()
    page.wait_for_url(f"**/indicators/{indicators[0].pk}/**")
    page.check("input[name='e1-level'][value='3']")
    page.fill("textarea[name='e1-note']", "SK Tim SPBE 2019")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/indicator-save-next-390.png", full_page=True)
    page.get_by_role("button", name="Save and go to indicator 2").click()
    page.wait_for_url(f"**/indicators/{indicators[1].pk}/**")
    assert "2." in page.inner_text("h1")
    answer = Answer.objects.get(evaluation=evaluation, indicator=indicators[0])
    assert (answer.level, answer.note) == (3, "SK Tim SPBE 2019")
    page.goto(f"{live_server.url}/institution/")
    # Saved but without evidence, indicator 1 is not complete yet: "continue" still
    # leads there rather than skipping it.
    assert page.get_by_role("link", name="Continue with indicator 1").is_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/dashboard-continue-390.png", full_page=True)
