"""Guidance on the institution's pages: "continue with indicator N" on the dashboard and
"save and go to the next indicator" on the indicator page."""

import pytest
from django.urls import reverse

from evaluations.models import Answer
from tests.conftest import logged_in

from .selfeval_helpers import small_framework
from .test_selfeval_views import edit_url, fill_all


@pytest.fixture
def indicators(period):
    return small_framework(period, multi=False)


def _dashboard(client, user):
    return logged_in(client, user).get(reverse("evaluations:institution-dashboard")).content


def test_dashboard_continues_with_the_first_unfinished_indicator(
    client, evaluation, indicators, operator
):
    html = _dashboard(client, operator).decode()
    assert "Continue with indicator 1" in html
    assert edit_url(evaluation, indicators[0]) in html
    fill_all(evaluation, indicators[:2], operator)
    html = _dashboard(client, operator).decode()
    assert "Continue with indicator 3" in html and indicators[2].name in html


def test_dashboard_says_everything_is_complete(
    client, evaluation, indicators, operator, supervisor
):
    fill_all(evaluation, indicators, operator)
    html = _dashboard(client, operator).decode()
    assert "Continue with indicator" not in html
    assert "Every indicator is complete" in html and "supervisor can now submit" in html
    html = _dashboard(client, supervisor).decode()
    assert "Check it once more, then submit" in html


def _post(client, evaluation, indicator, **extra):
    data = {"entry": 1, "e1-entry": 1, "e1-base_version": 0, "e1-level": 3, "e1-note": "SK"}
    return client.post(edit_url(evaluation, indicator), {**data, **extra})


def test_save_and_next_saves_then_opens_the_next_indicator(
    client, evaluation, indicators, operator
):
    logged_in(client, operator)
    page = client.get(edit_url(evaluation, indicators[0])).content.decode()
    assert "Save and go to indicator 2" in page
    response = _post(client, evaluation, indicators[0], then="next")
    assert response["Location"] == edit_url(evaluation, indicators[1])
    assert Answer.objects.get(evaluation=evaluation, indicator=indicators[0]).level == 3
    # The plain save button stays on the same indicator.
    response = _post(client, evaluation, indicators[1])
    assert response["Location"] == edit_url(evaluation, indicators[1])


def test_last_indicator_has_no_next_and_stays(client, evaluation, indicators, operator):
    logged_in(client, operator)
    page = client.get(edit_url(evaluation, indicators[-1])).content.decode()
    assert "Save and go to indicator" not in page
    response = _post(client, evaluation, indicators[-1], then="next")
    assert response["Location"] == edit_url(evaluation, indicators[-1])


def test_save_and_next_refused_stays_with_the_reason(client, evaluation, indicators, operator):
    logged_in(client, operator)
    response = _post(client, evaluation, indicators[0], then="next", **{"e1-level": 9})
    assert response.status_code == 400  # the form again, with its error; nothing moved on
    assert not Answer.objects.filter(evaluation=evaluation, indicator=indicators[0]).exists()
