"""The operator's way through the indicators in Chromium: "continue" from the dashboard,
then "save and go to the next indicator", with the page's own scripts (autosave) on."""

import os

import pytest

from evaluations.models import Answer, Evaluation
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
    # The button under the form (the phone's bottom bar has the same one).
    form = page.locator("#answer-form-1")
    form.get_by_role("button", name="Save and go to indicator 2").click()
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


def test_on_a_phone_a_bar_at_the_bottom_saves_and_goes_to_the_next_indicator(
    live_server, browser, operator, period
):
    """The previous / next buttons at the top are a long scroll away on a phone: the bar
    stays in view and its "save and go" posts the form like the button under it."""
    first, second, _third = small_framework(period)
    evaluation = Evaluation.objects.create(institution=operator.institution, period=period)
    page = page_as(browser, live_server, operator)
    page.set_viewport_size({"width": 390, "height": 700})
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/")
    bar = page.locator("nav.indicator-pager")
    assert bar.is_visible()
    page.locator("#answer-form-1 textarea[name$=note]").fill("SK Tim SPBE 2019")
    page.locator("#answer-form-1 input[type=radio][value='2']").check()
    bar.get_by_role("button", name="Save and go to indicator 2").click()
    page.wait_for_url(f"**/indicators/{second.pk}/**")
    answer = Answer.objects.get(evaluation=evaluation, indicator=first, entry=1)
    assert (answer.level, answer.note) == (2, "SK Tim SPBE 2019")
    assert page.locator("nav.indicator-pager").get_by_role("link", name="Indicator 1").is_visible()
