"""The provisional result, a response accepted, and the interview scheduled, in the
browser: the institution responds and picks a time, the assessor decides and records.
Set INTERVIEW_SCREENSHOTS to a folder to keep each page at phone and desktop width."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from evaluations.models import AgendaItem, ClarificationResponse, Meeting, MeetingSlot
from evaluations.services import meetings as meeting_svc
from tests.browser import page_as
from tests.evaluations.test_clarification import _provisional

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("INTERVIEW_SCREENSHOTS")


def _shoot(page, name):
    if not SHOTS:
        return
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(SHOTS, f"{name}_{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_response_is_accepted_and_the_interview_is_scheduled_and_recorded(
    browser, live_server, evaluation, assessor, operator, coordinator
):
    indicators = _provisional(evaluation, assessor)
    AgendaItem.objects.create(
        evaluation=evaluation,
        indicator=indicators[0],
        question="Tunjukkan SK Tim SPBE yang berlaku.",
        created_by=assessor,
    )
    period = evaluation.period
    now = timezone.now()
    period.interview_opens_at = now - dt.timedelta(hours=2)
    period.interview_closes_at = now + dt.timedelta(days=10)
    period.visit_opens_at = now + dt.timedelta(days=11)
    period.visit_closes_at = now + dt.timedelta(days=20)
    period.save()

    institution = page_as(browser, live_server, operator)
    institution.goto(f"{live_server.url}/evaluations/{evaluation.pk}/provisional/")
    row = institution.locator(f"#ind-{indicators[0].number}-1")
    assert "Provisional level: 2" in row.inner_text()
    row.locator("summary").click()
    row.locator("textarea[name=text]").fill("SK Tim SPBE 2024 sudah ditetapkan, terlampir.")
    row.get_by_role("button", name="Save the response").click()
    institution.wait_for_url("**/provisional/**")
    assert institution.get_by_text("your response is saved for the assessor").is_visible()
    _shoot(institution, "provisional")

    scorer = page_as(browser, live_server, assessor)
    scorer.goto(f"{live_server.url}/assessment/{evaluation.pk}/responses/")
    row = scorer.locator(".response-row").first
    row.locator("select[name=level]").select_option("4")
    row.locator("textarea[name=reason]").fill("SK sah dan berlaku.")
    _shoot(scorer, "responses")
    row.get_by_role("button", name="Accept with the new level").click()
    scorer.wait_for_url("**/responses/")
    assert scorer.get_by_text("Accepted: level 4").is_visible()
    response = ClarificationResponse.objects.get()
    assert (response.decision, response.new_level) == ("accepted", 4)

    institution.goto(f"{live_server.url}/evaluations/{evaluation.pk}/provisional/")
    assert institution.get_by_text("Level after clarification: 4").is_visible()

    start = timezone.localtime(now + dt.timedelta(days=2), dt.timezone(dt.timedelta(hours=7)))
    scorer.goto(f"{live_server.url}/evaluations/{evaluation.pk}/meetings/interview/")
    scorer.locator("#st-1").fill(start.strftime("%Y-%m-%dT%H:%M"))
    scorer.locator("#en-1").fill((start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    scorer.locator("#lo-1").fill("https://zoom.example/j/2024")
    _shoot(scorer, "meeting_propose")
    scorer.get_by_role("button", name="Send the times to the institution").click()
    scorer.wait_for_url("**/meetings/interview/")
    assert scorer.get_by_text("The times are proposed").is_visible()

    institution.goto(f"{live_server.url}/evaluations/{evaluation.pk}/meetings/interview/")
    _shoot(institution, "meeting_choose")
    institution.get_by_role("button", name="Choose this time").click()
    institution.wait_for_url("**/meetings/interview/")
    assert institution.get_by_text("https://zoom.example/j/2024").is_visible()
    assert Meeting.objects.get().status == Meeting.Status.SCHEDULED

    scorer.goto(f"{live_server.url}/evaluations/{evaluation.pk}/meetings/interview/")
    scorer.locator("#rc-at").fill("Budi Santoso, Kepala Diskominfo\nSiti Aminah, Operator")
    scorer.locator("#rc-mi").fill("SK Tim SPBE ditunjukkan; pembahasan indikator 1.")
    scorer.get_by_role("button", name="Save and prepare the record").click()
    scorer.wait_for_url("**/meetings/interview/")
    assert scorer.get_by_text("Attendance and minutes are recorded").is_visible()
    _shoot(scorer, "meeting_held")
    assert MeetingSlot.objects.count() == 1 and meeting_svc.MAX_SLOTS == 5

    if SHOTS:
        scorer.goto(f"{live_server.url}/assessment/{evaluation.pk}/stage/interview/")
        _shoot(scorer, "interview_sheet")
        lead = page_as(browser, live_server, coordinator)
        lead.goto(f"{live_server.url}/periods/{period.pk}/visits/")
        _shoot(lead, "visit_list")
        lead.context.close()
    for page in (institution, scorer):
        page.context.close()


def test_the_assessor_marks_an_indicator_for_the_interview_on_the_scoring_page(
    browser, live_server, evaluation, assessor
):
    from evaluations.models import PeriodMode
    from tests.evaluations.assessment_helpers import small_framework, submit

    period = evaluation.period
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at = timezone.now() + dt.timedelta(days=40)
    period.interview_closes_at = timezone.now() + dt.timedelta(days=50)
    period.save()
    indicators = small_framework(period.framework)
    submit(evaluation, indicators=indicators)
    page = page_as(browser, live_server, assessor)
    page.goto(f"{live_server.url}/assessment/{evaluation.pk}/")
    box = page.locator(f"#agenda-{indicators[1].pk}")
    box.locator("input[name=question]").fill("Bagaimana reviu arsitektur dilakukan?")
    box.get_by_role("button", name="Raise at interview").click()
    page.wait_for_url("**/assessment/**")
    box = page.locator(f"#agenda-{indicators[1].pk}")
    assert box.locator(".on-agenda").is_visible()
    assert AgendaItem.objects.get().question == "Bagaimana reviu arsitektur dilakukan?"
    box.scroll_into_view_if_needed()
    _shoot(page, "scoring_agenda")
    page.context.close()
