"""The interview stage in the browser: the assessor scores one indicator with its three
parts; the others stay visibly carried over from the document stage."""

import os

import pytest

from evaluations.models import Answer, Phase
from tests.browser import page_as
from tests.evaluations.test_stage_views import _scored, _sheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set to a folder to keep the screenshots of the page at phone and desktop width.
SHOTS = os.environ.get("STAGE_SCREENSHOTS")


def test_assessor_scores_at_the_interview_and_sees_what_is_carried_over(
    browser, live_server, evaluation, assessor
):
    indicators = _scored(evaluation, assessor)
    page = page_as(browser, live_server, assessor)
    page.goto(live_server.url + _sheet(evaluation))
    assert page.locator(".carried-over").count() == 3
    row = page.locator(f"#ind-{indicators[0].number}-1")
    row.locator("summary").click()
    row.locator("select[name=level]").select_option("4")
    row.locator("textarea[name=facts]").fill("Rapat daring: dashboard ditunjukkan.")
    row.locator("textarea[name=analysis]").fill("Kriteria level 4 terpenuhi.")
    row.locator("textarea[name=justification]").fill("Terintegrasi di semua unit.")
    row.get_by_role("button", name="Save").click()
    page.wait_for_url("**/stage/interview/**")
    assert page.get_by_text("Indicator 1: level saved for this stage.").is_visible()
    row = page.locator(f"#ind-{indicators[0].number}-1")
    assert row.locator(".set-here").inner_text().strip() == "Level 4, set at this stage"
    assert page.locator(".carried-over").count() == 2
    assert Answer.objects.get(indicator=indicators[0], phase=Phase.INTERVIEW).level == 4
    if SHOTS:
        for width in (390, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=os.path.join(SHOTS, f"stage_{width}.png"), full_page=True)
    page.context.close()
