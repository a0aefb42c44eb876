"""The ministry review in the browser: one level corrected with its reasons, the others
valid, the review completed, and the evaluation then offered for release."""

import os

import pytest

from tests.browser import page_as
from tests.evaluations.test_ministry_review import (  # noqa: F401 (fixtures)
    CORRECTION,
    _review_url,
    approved,
    indicators,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("STAGE_SCREENSHOTS")


def test_admin_reviews_with_one_correction_and_completes(
    browser,
    live_server,
    approved,  # noqa: F811
    indicators,  # noqa: F811
    admin_user,
):
    page = page_as(browser, live_server, admin_user)
    page.goto(live_server.url + _review_url(approved))
    for indicator in indicators:
        row = page.locator(f"#ind-{indicator.number}-1")
        row.locator("summary").click()
        if indicator == indicators[1]:
            row.get_by_label("Not valid").check()
            row.locator("select[name=level]").select_option("3")
            for part in ("facts", "analysis", "justification"):
                row.locator(f"textarea[name={part}]").fill(CORRECTION[part])
        row.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
    assert page.locator(".verdict-valid").count() == 2
    assert page.locator(".verdict-corrected").inner_text() == "Not valid: corrected to level 3"
    if SHOTS:
        for width in (390, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=os.path.join(SHOTS, f"review_{width}.png"), full_page=True)
    # Sent back without a note is refused; with one the assessors get it; then accepted.
    page.get_by_role("button", name="Send the texts back").click()
    page.wait_for_load_state()
    assert "Say what the assessors should change" in page.content()
    page.get_by_role("button", name="Accept the texts").click()
    page.wait_for_load_state()
    assert page.locator("#texts-state").inner_text().startswith("Accepted")
    page.get_by_role("button", name="Complete the review").click()
    page.wait_for_load_state()
    assert "levels corrected: 1" in page.locator("#review-done").inner_text()
    page.get_by_role("link", name="Release results").click()
    assert page.locator(f"#rel-{approved.pk}").is_visible()
    page.context.close()
