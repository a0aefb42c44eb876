"""The whole staged evaluation in the browser, on the real PermenPANRB 59/2020 framework
(47 indicators): each step is done by the role concerned, on its own pages.

The operator fills an indicator and the supervisor submits; the assessor scores the
document stage, raises an item for the interview and completes; the institution sees its
provisional result and responds; the assessor accepts with a new level; the interview
is proposed, chosen and recorded; the coordinator approves; the ministry reviewer
corrects one level with its reasons and completes the review; the admin releases; the
institution sees the corrected level on its result page and in its report.

The clock is not moved with time_machine: the live server is a thread of this process
and would follow, but Chromium keeps its own clock, and a jump of weeks would expire the
signed-in sessions. Instead the period's stage windows are set in the database between
the steps (`_windows`), as an admin editing the period would. The indicators the browser
does not touch are prefilled through the services, to keep the test within a minute.

Set STAGED_SCREENSHOTS to a folder to keep each page at phone and desktop width.
"""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from evaluations import scoring
from evaluations.models import (
    AgendaItem,
    Answer,
    ClarificationResponse,
    Evaluation,
    Framework,
    Meeting,
    PeriodMode,
    Phase,
)
from evaluations.services import assessment as assessment_svc
from evaluations.services import evidence as evidence_svc
from evaluations.services import review as review_svc
from evaluations.services import selfeval as selfeval_svc
from tests import factories as f
from tests.browser import page_as

from .selfeval_helpers import make_pdf, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("STAGED_SCREENSHOTS")
FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "evaluations"
    / "fixtures"
    / "frameworks"
    / "permenpanrb-59-2020.json"
)
WIB = dt.timezone(dt.timedelta(hours=7))
DAY = dt.timedelta(days=1)


def _shoot(page, name):
    if not SHOTS:
        return
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(SHOTS, f"{name}_{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def _windows(period, **fields):
    """Move the period to its next stage: the windows an admin would set."""
    for name, value in fields.items():
        setattr(period, name, value)
    period.save()


def _levels_in_report(text: str, indicator) -> tuple[str, str]:
    """The self and validated levels printed for `indicator` in the report's table: the
    first line ending in two levels from the indicator's name on (they end its name line,
    or follow its explanation)."""
    after = text[text.index(f"{indicator.number} {indicator.name} ({indicator.aspect.code})") :]
    return re.search(r"(?<!\S)(\d) (\d)$", after, re.MULTILINE).groups()


def _index(framework, indicators, second: int):
    """The SPBE index with every indicator at level 2 but the second at `second`."""
    levels = {i.pk: [2] for i in indicators} | {indicators[1].pk: [second]}
    return scoring.compute_index(scoring.spec_for(framework), levels).index


def test_the_staged_evaluation_on_59_2020_from_self_assessment_to_the_final_report(
    browser,
    live_server,
    institution,
    university,
    operator,
    supervisor,
    assessor,
    coordinator,
    admin_user,
):
    call_command("load_framework", str(FIXTURE), verbosity=0)
    framework = Framework.objects.get(code="permenpanrb-59-2020")
    indicators = list(framework.indicators.order_by("number"))
    assert len(indicators) == 47
    now = timezone.now()
    period = f.EvaluationPeriodFactory(
        framework=framework,
        name="Evaluasi SPBE 2026",
        year=2026,
        mode=PeriodMode.EVALUATION,
        opens_at=now - DAY,
        deadline=now + 10 * DAY,
        document_deadline=now + 20 * DAY,
        interview_opens_at=now + 21 * DAY,
        interview_closes_at=now + 30 * DAY,
        review_opens_at=now + 31 * DAY,
        review_closes_at=now + 40 * DAY,
    )
    evaluation = f.EvaluationFactory(institution=institution, period=period, university=university)
    f.AssessorAssignmentFactory(evaluation=evaluation, assessor=assessor)
    first, responded, *rest = indicators

    # 1. Self-assessment: the operator answers indicator 1 (autosaved); the rest is
    # prefilled; the supervisor submits.
    page = page_as(browser, live_server, operator)
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/")
    page.check("#id_level_1_3")  # the fourth choice: level 4
    page.locator("textarea[name='e1-note']").fill("Arsitektur SPBE ditetapkan dengan Perbup.")
    page.wait_for_selector("#answer-form-1[data-autosave-state=saved]", timeout=10_000)
    library = evidence_svc.upload_evidence(
        evaluation=evaluation, by=supervisor, uploaded_file=upload(make_pdf(2), "Perbup SPBE.pdf")
    )
    answers = [Answer.objects.get(evaluation=evaluation, indicator=first, phase=Phase.SELF)]
    for indicator in [responded, *rest]:
        answers.append(
            selfeval_svc.save_answer(
                evaluation=evaluation,
                indicator=indicator,
                by=supervisor,
                level=3,
                note="Sudah diterapkan.",
                base_version=0,
            )
        )
    for answer in answers:
        evidence_svc.link_evidence(evidence=library, answer=answer, by=supervisor)
    sup = page_as(browser, live_server, supervisor, accept_dialogs=True)
    sup.goto(f"{live_server.url}/institution/")
    assert "47 / 47" in sup.inner_text(".progress-answered")
    sup.click(f"a[href='/evaluations/{evaluation.pk}/submit/']")
    sup.wait_for_selector(".self-index")
    sup.click("form[data-once] button[type=submit]")
    sup.wait_for_selector("text=The evaluation is now read-only", timeout=10_000)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED

    # 2. Document stage: 46 indicators prefilled at level 2; the assessor scores indicator
    # 2 at level 2 in the page, raises it for the interview and completes.
    for indicator in [first, *rest]:
        assessment_svc.save_validated_answer(
            evaluation=evaluation, indicator=indicator, by=assessor, level=2, note="Dokumen."
        )
    scorer = page_as(browser, live_server, assessor, accept_dialogs=True)
    scorer.goto(f"{live_server.url}/assessment/{evaluation.pk}/")
    form = scorer.locator(f"#score-{responded.pk}-1")
    form.locator("textarea[name=note]").fill("SK Tim SPBE tahun 2017, belum diperbarui.")
    form.locator("select[name=level]").select_option("2")
    scorer.locator(f"#score-{responded.pk}-1 .save-ok").wait_for()
    box = scorer.locator(f"#agenda-{responded.pk}")
    box.locator("input[name=question]").fill("Tunjukkan SK Tim SPBE yang berlaku.")
    box.get_by_role("button", name="Raise at interview").click()
    scorer.wait_for_url("**/assessment/**")
    assert scorer.locator(f"#agenda-{responded.pk} .on-agenda").is_visible()
    _shoot(scorer, "document_stage")
    scorer.get_by_role("button", name="Mark complete").click()
    scorer.wait_for_url(f"{live_server.url}/assessor/")
    assert "Assessed" in scorer.locator("#assessor-queue").inner_text()
    assert AgendaItem.objects.get().indicator == responded

    # 3. The document stage closes: the clarification window and the interview open.
    now = timezone.now()
    _windows(
        period,
        opens_at=now - 60 * DAY,
        deadline=now - 20 * DAY,
        document_deadline=now - dt.timedelta(hours=1),
        interview_opens_at=now - dt.timedelta(hours=2),
        interview_closes_at=now + 10 * DAY,
    )
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/provisional/")
    assert "Tunjukkan SK Tim SPBE yang berlaku." in page.inner_text("main")
    row = page.locator(f"#ind-{responded.number}-1")
    assert "Provisional level: 2" in row.inner_text()
    row.locator("summary").click()
    row.locator("textarea[name=text]").fill("SK Tim SPBE 2025 sudah ditetapkan, terlampir.")
    row.get_by_role("button", name="Save the response").click()
    page.wait_for_url("**/provisional/**")
    assert page.get_by_text("your response is saved for the assessor").is_visible()
    _shoot(page, "provisional")

    # 4. The assessor accepts the response with level 4.
    scorer.goto(f"{live_server.url}/assessment/{evaluation.pk}/responses/")
    row = scorer.locator(".response-row").first
    row.locator("select[name=level]").select_option("4")
    row.locator("textarea[name=reason]").fill("SK sah dan berlaku.")
    row.get_by_role("button", name="Accept with the new level").click()
    scorer.wait_for_url("**/responses/")
    assert scorer.get_by_text("Accepted: level 4").is_visible()
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/provisional/")
    assert page.get_by_text("Level after clarification: 4").is_visible()
    assert ClarificationResponse.objects.get().new_level == 4

    # 5. The interview: proposed by the assessor, chosen by the institution, recorded.
    start = (now + 2 * DAY).astimezone(WIB)
    scorer.goto(f"{live_server.url}/evaluations/{evaluation.pk}/meetings/interview/")
    scorer.locator("#st-1").fill(start.strftime("%Y-%m-%dT%H:%M"))
    scorer.locator("#en-1").fill((start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    scorer.locator("#lo-1").fill("https://zoom.example/j/2026")
    scorer.get_by_role("button", name="Send the times to the institution").click()
    scorer.wait_for_url("**/meetings/interview/")
    assert scorer.get_by_text("The times are proposed").is_visible()
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/meetings/interview/")
    page.get_by_role("button", name="Choose this time").click()
    page.wait_for_url("**/meetings/interview/")
    assert page.get_by_text("https://zoom.example/j/2026").is_visible()
    scorer.goto(f"{live_server.url}/evaluations/{evaluation.pk}/meetings/interview/")
    scorer.locator("#rc-at").fill("Budi Santoso, Kepala Diskominfo\nSiti Aminah, Operator")
    scorer.locator("#rc-mi").fill("SK Tim SPBE 2025 ditunjukkan dan dibahas.")
    scorer.get_by_role("button", name="Save and prepare the record").click()
    scorer.wait_for_url("**/meetings/interview/")
    assert scorer.get_by_text("Attendance and minutes are recorded").is_visible()
    assert Meeting.objects.get().status == Meeting.Status.HELD

    # 6. The coordinator approves.
    lead = page_as(browser, live_server, coordinator, accept_dialogs=True)
    lead.goto(f"{live_server.url}/assessment/{evaluation.pk}/review/")
    lead.get_by_role("button", name="Approve").click()
    lead.wait_for_load_state()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.APPROVED
    # Approved on the latest stage's levels: the accepted 4 on indicator 2.
    assert lead.inner_text(".result-index").strip() == str(_index(framework, indicators, 4))

    # 7. The ministry review opens: 46 verdicts "valid" are prefilled; the reviewer finds
    # indicator 2 not valid, corrects it to level 3 with its reasons, and completes.
    now = timezone.now()
    _windows(
        period,
        interview_opens_at=now - 10 * DAY,
        interview_closes_at=now - DAY,
        review_opens_at=now - dt.timedelta(hours=1),
        review_closes_at=now + 5 * DAY,
    )
    for indicator in [first, *rest]:
        review_svc.save_review_verdict(
            evaluation=evaluation, indicator=indicator, by=admin_user, valid=True
        )
    ministry = page_as(browser, live_server, admin_user, accept_dialogs=True)
    ministry.goto(f"{live_server.url}/assessment/{evaluation.pk}/ministry-review/")
    row = ministry.locator(f"#ind-{responded.number}-1")
    row.locator("summary").click()
    row.get_by_label("Not valid").check()
    row.locator("select[name=level]").select_option("3")
    row.locator("textarea[name=facts]").fill("SK 2025 belum ditandatangani kepala daerah.")
    row.locator("textarea[name=analysis]").fill("Kriteria level 4 belum terpenuhi.")
    row.locator("textarea[name=justification]").fill("Level 3 sesuai bukti yang sah.")
    row.get_by_role("button", name="Save").click()
    ministry.wait_for_load_state()
    assert ministry.locator(".verdict-corrected").inner_text() == "Not valid: corrected to level 3"
    assert ministry.locator(".verdict-valid").count() == 46
    _shoot(ministry, "ministry_review")
    # The assessors' strengths, weaknesses and recommendation are accepted before the
    # review can be completed.
    ministry.get_by_role("button", name="Accept the texts").click()
    ministry.wait_for_load_state()
    assert ministry.locator("#texts-state").inner_text().startswith("Accepted")
    ministry.get_by_role("button", name="Complete the review").click()
    ministry.wait_for_load_state()
    assert "levels corrected: 1" in ministry.locator("#review-done").inner_text()

    # 8. The admin releases.
    ministry.get_by_role("link", name="Release results").click()
    ministry.locator(f"#rel-{evaluation.pk}").check()
    ministry.get_by_role("button", name="Release the chosen results").click()
    ministry.wait_for_load_state()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.RELEASED

    # 9. The institution sees the reviewed level on its result page and in its report.
    page.goto(f"{live_server.url}/results/")
    page.get_by_role("link", name="Open").click()
    page.wait_for_load_state()
    _shoot(page, "result")
    row = page.locator(".result-table tbody tr", has_text=responded.name).first
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[:5] == [str(responded.number), responded.name, "3", "3", "0.00"]
    # ... explained by the review's reasons, not the document note for the level 2 it replaced.
    assert "Level 3 sesuai bukti yang sah." in cells[5] and "2017" not in cells[5]
    row = page.locator(".result-table tbody tr", has_text=rest[0].name).first
    assert [c.strip() for c in row.locator("td").all_inner_texts()][2:5] == ["3", "2", "-1.00"]
    # The index is the one of the reviewed levels: 3 on indicator 2, not the 4 accepted.
    expected = _index(framework, indicators, 3)
    assert expected < _index(framework, indicators, 4)
    evaluation.refresh_from_db()
    assert evaluation.final_index == expected
    assert page.inner_text(".result-index").strip() == str(expected)
    page.get_by_role("button", name="Evaluation report (PDF)").click()
    page.wait_for_selector("#report-status a:has-text('Download')", timeout=20_000)
    with page.expect_download() as download:
        page.locator("#report-status a:has-text('Download')").click()
    if SHOTS:
        download.value.save_as(os.path.join(SHOTS, "report.pdf"))
    text = "\n".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert f"SPBE index {evaluation.final_index}" in text
    assert _levels_in_report(text, responded) == ("3", "3")
    assert "SK 2025 belum ditandatangani kepala daerah." in text and "2017" not in text
    assert _levels_in_report(text, first) == ("4", "2")
    # The provisional page, where the institution saw level 4 accepted, now sends it on.
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/provisional/")
    assert page.get_by_text("Level after clarification: 4").is_visible()
    _shoot(page, "provisional_released")
    page.get_by_role("link", name="Open the final result").click()
    page.wait_for_url(f"**/evaluations/{evaluation.pk}/result/")
    row = page.locator(".result-table tbody tr", has_text=responded.name).first
    assert row.locator("td").nth(3).inner_text().strip() == "3"
    for p in (page, sup, scorer, lead, ministry):
        p.context.close()
