"""Autosave in headless Chromium, on the indicator page and the scoring page: what the user
types right after choosing a level is exactly what is stored; a cut network or a server
error shows "not saved" and the text reaches the server once it is back; a reload keeps
unsent text; an edit conflict shows both versions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from evaluations.models import Answer, Phase
from evaluations.services import selfeval as s
from tests import factories as f
from tests.browser import page_as

from .assessment_helpers import small_framework as scoring_framework
from .assessment_helpers import submit
from .selfeval_helpers import small_framework

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Peraturan Wali Kota Nomor 12 Tahun 2019 tentang SPBE sudah ditetapkan."
SAVED = re.compile(r"Saved at \d\d:\d\d:\d\d")
# Waits are ceilings, not durations: `make test` runs two browsers beside two test
# workers on two cores, where a failed save can take seconds to be shown.
WAIT = 30_000


def _on_post(page, handler):
    """Route only the autosave posts (the page itself still loads)."""

    def route(request_route):
        if request_route.request.method == "POST":
            handler(request_route)
        else:
            request_route.continue_()

    page.route("**/*", route)


def _wait_state(page, form, state, timeout=WAIT):
    page.wait_for_selector(f"{form}[data-autosave-state={state}]", timeout=timeout)


def _self_answer(evaluation, indicator):
    return Answer.objects.get(evaluation=evaluation, indicator=indicator, entry=1, phase=Phase.SELF)


def test_indicator_page_stores_exactly_what_was_typed(live_server, browser, operator, period):
    first = small_framework(period)[0]
    evaluation = _evaluation(operator, period)
    page = page_as(browser, live_server, operator)
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/")
    assert "Empty" in page.inner_text("#indicator-state")

    # Level first, then typing at 30 ms a key straight away.
    page.check("#id_level_1_3")
    page.locator("textarea[name='e1-note']").press_sequentially(TEXT, delay=30)
    _wait_state(page, "#answer-form-1", "saved")
    assert SAVED.search(page.inner_text("#save-status-1"))
    answer = _self_answer(evaluation, first)
    assert (answer.level, answer.note) == (3, TEXT)
    # The title's badge follows the save without a reload (level and text, no file yet).
    assert "Missing evidence" in page.inner_text("#indicator-state")
    assert page.input_value("textarea[name='e1-note']") == TEXT


def test_indicator_page_network_cut_then_back(live_server, browser, operator, period):
    first = small_framework(period)[0]
    evaluation = _evaluation(operator, period)
    page = page_as(browser, live_server, operator)
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/")
    page.check("#id_level_1_2")
    note = page.locator("textarea[name='e1-note']")
    note.press_sequentially("Sudah ada", delay=30)
    _wait_state(page, "#answer-form-1", "saved")

    # The network goes away mid-typing: the page says so and keeps the text.
    _on_post(page, lambda route: route.abort())
    note.press_sequentially(" kebijakan internal", delay=30)
    page.wait_for_selector("#save-status-1 .autosave-failed", timeout=WAIT)
    assert "Not saved" in page.inner_text("#save-status-1")
    assert _self_answer(evaluation, first).note == "Sudah ada"
    note.press_sequentially(" SPBE.", delay=30)

    # Back: the automatic retry stores everything typed, with nothing lost.
    page.unroute("**/*")
    _wait_state(page, "#answer-form-1", "saved", timeout=40_000)
    assert _self_answer(evaluation, first).note == "Sudah ada kebijakan internal SPBE."


def test_indicator_page_server_error_then_retry(live_server, browser, operator, period):
    first = small_framework(period)[0]
    evaluation = _evaluation(operator, period)
    page = page_as(browser, live_server, operator)
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/")
    _on_post(page, lambda route: route.fulfill(status=500, body="Server Error"))
    page.check("#id_level_1_1")
    page.locator("textarea[name='e1-note']").press_sequentially("Draf awal", delay=30)
    page.wait_for_selector("#save-status-1 .autosave-failed", timeout=WAIT)
    assert "Not saved" in page.inner_text("#save-status-1")
    assert page.locator("#save-status-1 .save-ok").count() == 0
    assert not Answer.objects.filter(evaluation=evaluation).exists()

    page.unroute("**/*")
    page.click("#save-status-1 .autosave-retry")
    _wait_state(page, "#answer-form-1", "saved")
    answer = _self_answer(evaluation, first)
    assert (answer.level, answer.note) == (1, "Draf awal")


def test_indicator_page_keeps_unsent_text_across_a_reload(live_server, browser, operator, period):
    first = small_framework(period)[0]
    evaluation = _evaluation(operator, period)
    page = page_as(browser, live_server, operator, accept_dialogs=True)
    url = f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/"
    page.goto(url)
    _on_post(page, lambda route: route.abort())
    page.check("#id_level_1_4")
    page.locator("textarea[name='e1-note']").press_sequentially("Tersimpan lokal", delay=30)
    page.wait_for_selector("#save-status-1 .autosave-failed", timeout=WAIT)

    # The tab is reloaded while the server never got the text: it comes back and is sent.
    page.unroute("**/*")
    page.goto(url)
    _wait_state(page, "#answer-form-1", "saved")
    assert page.input_value("textarea[name='e1-note']") == "Tersimpan lokal"
    answer = _self_answer(evaluation, first)
    assert (answer.level, answer.note) == (4, "Tersimpan lokal")


def test_indicator_page_edit_conflict_shows_both_and_keeps_mine(
    live_server, browser, operator, supervisor, period
):
    first = small_framework(period)[0]
    evaluation = _evaluation(operator, period)
    s.save_answer(
        evaluation=evaluation, indicator=first, by=operator, level=2, note="Awal", base_version=0
    )
    page = page_as(browser, live_server, operator, accept_dialogs=True)
    page.goto(f"{live_server.url}/evaluations/{evaluation.pk}/indicators/{first.pk}/")
    # Meanwhile the supervisor saves the same entry.
    s.save_answer(
        evaluation=evaluation,
        indicator=first,
        by=supervisor,
        level=3,
        note="Versi penanggung jawab",
        base_version=1,
    )
    page.locator("textarea[name='e1-note']").fill("Versi operator")
    _wait_state(page, "#answer-form-1", "conflict")
    box = page.locator("#save-status-1 .conflict-box")
    assert "Versi penanggung jawab" in box.inner_text()
    assert "Versi operator" in box.inner_text()
    assert _self_answer(evaluation, first).note == "Versi penanggung jawab"

    box.get_by_role("button", name="Save my version over it").click()
    page.wait_for_load_state()
    page.wait_for_selector("text=Saved at")
    answer = _self_answer(evaluation, first)
    assert (answer.note, answer.version) == ("Versi operator", 3)


def _evaluation(operator, period):
    return f.EvaluationFactory(institution=operator.institution, period=period)


# --- The assessor's scoring page ------------------------------------------------------


@pytest.fixture
def scoring(period, evaluation):
    indicators = scoring_framework(period.framework)
    submit(evaluation, levels=(4, 3, 2), indicators=indicators)
    return evaluation, indicators


def test_scoring_page_stores_exactly_what_was_typed(live_server, browser, assessor, scoring):
    evaluation, indicators = scoring
    page = page_as(browser, live_server, assessor)
    page.goto(f"{live_server.url}/assessment/{evaluation.pk}/")
    assert "3 entries still to score" in page.inner_text("#missing-count")
    form = f"#score-{indicators[0].pk}-1"

    # Level first (a draft without explanation is accepted), then typing straight away.
    page.select_option(f"{form} select[name=level]", "3")
    page.locator(f"{form} textarea[name=note]").press_sequentially(TEXT, delay=30)
    _wait_state(page, form, "saved")
    assert SAVED.search(page.inner_text(f"{form} [data-autosave-status]"))
    answer = Answer.objects.get(evaluation=evaluation, indicator=indicators[0], phase="document")
    assert (answer.level, answer.note) == (3, TEXT)
    assert page.input_value(f"{form} select[name=level]") == "3"
    # The counter and the status follow the save without a reload.
    assert "2 entries still to score" in page.inner_text("#missing-count")
    assert "Under assessment" in page.inner_text("#assessment-status")


def test_scoring_page_network_cut_and_server_error(live_server, browser, assessor, scoring):
    evaluation, indicators = scoring
    page = page_as(browser, live_server, assessor)
    page.goto(f"{live_server.url}/assessment/{evaluation.pk}/")
    form = f"#score-{indicators[1].pk}-1"
    page.select_option(f"{form} select[name=level]", "2")
    _wait_state(page, form, "saved")

    _on_post(page, lambda route: route.abort())
    page.locator(f"{form} textarea[name=note]").press_sequentially("Sebagian unit", delay=30)
    page.wait_for_selector(f"{form} .autosave-failed", timeout=WAIT)
    assert "Not saved" in page.inner_text(f"{form} [data-autosave-status]")
    page.unroute("**/*")
    _wait_state(page, form, "saved", timeout=40_000)
    answer = Answer.objects.get(evaluation=evaluation, indicator=indicators[1], phase="document")
    assert (answer.level, answer.note) == (2, "Sebagian unit")

    _on_post(page, lambda route: route.fulfill(status=500, body="Server Error"))
    page.locator(f"{form} textarea[name=recommendation]").press_sequentially("Perluas", delay=30)
    page.wait_for_selector(f"{form} .autosave-failed", timeout=WAIT)
    assert "Not saved" in page.inner_text(f"{form} [data-autosave-status]")
    page.unroute("**/*")
    page.click(f"{form} .autosave-retry")
    _wait_state(page, form, "saved")
    answer.refresh_from_db()
    assert answer.recommendation == "Perluas"


def test_scoring_page_edit_conflict_shows_both_and_keeps_mine(
    live_server, browser, assessor, scoring
):
    from evaluations.services import assessment as assessment_services

    evaluation, indicators = scoring
    page = page_as(browser, live_server, assessor, accept_dialogs=True)
    page.goto(f"{live_server.url}/assessment/{evaluation.pk}/")
    # Meanwhile the same entry is saved elsewhere (another tab of the assessor).
    assessment_services.save_validated_answer(
        evaluation=evaluation,
        indicator=indicators[0],
        by=assessor,
        level=4,
        note="Versi tab lain",
        version=0,
    )
    form = f"#score-{indicators[0].pk}-1"
    page.select_option(f"{form} select[name=level]", "2")
    page.locator(f"{form} textarea[name=note]").press_sequentially("Versi saya", delay=30)
    _wait_state(page, form, "conflict")
    box = page.locator(f"{form} .score-conflict")
    # On a slow machine the first conflict may answer a save sent mid-typing; the box
    # is redrawn by the save that follows the last keystroke, so wait for that one.
    expect(box).to_contain_text("Versi saya", timeout=WAIT)
    assert "Versi tab lain" in box.inner_text()
    answer = Answer.objects.get(evaluation=evaluation, indicator=indicators[0], phase="document")
    assert (answer.level, answer.note) == (4, "Versi tab lain")

    box.get_by_role("button", name="Save my version over it").click()
    page.wait_for_selector(f"{form} .save-ok", timeout=WAIT)
    answer.refresh_from_db()
    assert (answer.level, answer.note) == (2, "Versi saya")
