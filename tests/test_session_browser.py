"""In Chromium: the session ends while an operator is typing a justification. The text
is kept in the tab, the operator signs in again, lands back on the indicator, and the
text is put back and autosaved."""

import time

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore

from evaluations.models import Answer
from spbe_portal.sessions import LAST_SEEN
from tests import factories as f
from tests.browser import page_as
from tests.evaluations.selfeval_helpers import small_framework

pytestmark = pytest.mark.browser
PASSWORD = "pass-12345"  # tests.factories.UserFactory's password
TEXT = "Peraturan Wali Kota tentang SPBE ditetapkan tahun 2019."


def test_text_typed_when_the_session_ends_is_saved_after_signing_in(
    live_server, browser, transactional_db, operator, period
):
    indicator = small_framework(period)[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    page = page_as(browser, live_server, operator)
    url = f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{indicator.pk}/"
    page.goto(url)
    assert page.locator("#session-timeout").is_hidden()

    # Thirty-one idle minutes pass on the server while the page stays open.
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    store = SessionStore(session_key=cookie["value"])
    store[LAST_SEEN] = time.time() - 31 * 60
    store.save()

    page.locator("textarea[name='e1-note']").fill(TEXT)
    page.wait_for_url("**/accounts/login/**", timeout=15_000)
    assert not Answer.objects.filter(evaluation=evaluation, note=TEXT).exists()

    page.fill("input[name='username']", operator.username)
    page.fill("input[name='password']", PASSWORD)
    page.click("form:has(input[name='password']) button[type=submit]")
    page.wait_for_url(url, timeout=15_000)
    assert page.locator("textarea[name='e1-note']").input_value() == TEXT
    assert page.locator(".session-restored").is_visible()
    page.wait_for_selector("#save-status-1 .save-ok", timeout=15_000)
    assert Answer.objects.filter(evaluation=evaluation, indicator=indicator, note=TEXT).exists()


def test_the_warning_appears_before_the_end_and_stay_signed_in_works(
    live_server, browser, transactional_db, operator, evaluation, settings
):
    settings.SESSION_IDLE_TIMEOUT = 125  # the warning (120 s before) shows after 5 s
    page = page_as(browser, live_server, operator)
    page.goto(f"{live_server.url}/institution/")
    warning = page.locator("#session-timeout")
    warning.wait_for(state="visible", timeout=15_000)
    assert "Your session will end in 2 minutes" in warning.inner_text()
    with page.expect_response("**/accounts/session/keepalive/") as response:
        warning.locator("button").click()
    assert response.value.status == 204
    assert warning.is_hidden()
