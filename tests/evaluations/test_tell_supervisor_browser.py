"""The operator's "tell the supervisor" in Chromium: from the dashboard once everything
is complete, to the check page saying the email went, and refusing a second within the
hour."""

import os

import pytest
from django.core import mail

from tests.browser import page_as

from .selfeval_helpers import small_framework
from .test_selfeval_views import fill_all

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_operator_tells_the_supervisor_once(
    live_server, browser, transactional_db, evaluation, operator, supervisor, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    indicators = small_framework(evaluation.period, multi=False)
    fill_all(evaluation, indicators, operator)
    page = page_as(browser, live_server, operator, bypass_csp=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/institution/")
    page.get_by_role("button", name="Tell the supervisor it is ready").click()
    page.wait_for_url("**/submit/check/")
    page.get_by_text("1 supervisor has been sent an email").wait_for()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/tell-supervisor-390.png", full_page=True)
    page.get_by_role("button", name="Tell the supervisor it is ready").click()
    page.get_by_text("You can send it again after").wait_for()
    assert [m.to for m in mail.outbox] == [[supervisor.email]]
