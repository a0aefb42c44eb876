"""Last year's result next to each indicator: only from an evaluation that was released."""

import datetime as dt

import pytest
from django.utils import timezone

from evaluations.models import Evaluation, Phase
from evaluations.selectors.selfeval import previous_results
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_year(evaluation):
    """The institution's evaluation of an earlier period on the same framework, assessed."""
    period = f.EvaluationPeriodFactory(
        framework=evaluation.period.framework,
        opens_at=evaluation.period.opens_at - dt.timedelta(days=365),
        deadline=evaluation.period.deadline - dt.timedelta(days=365),
    )
    earlier = f.EvaluationFactory(institution=evaluation.institution, period=period)
    indicator = f.IndicatorFactory(framework=period.framework, number=7)
    f.AnswerFactory(evaluation=earlier, indicator=indicator, phase=Phase.SELF, level=4)
    f.AnswerFactory(
        evaluation=earlier,
        indicator=indicator,
        phase=Phase.DOCUMENT,
        level=2,
        recommendation="Tetapkan SOP layanan.",
    )
    return earlier


def test_previous_results_hidden_until_the_evaluation_is_released(evaluation, last_year):
    # The period says "released" but this institution's result was never approved.
    last_year.period.results_released_at = timezone.now()
    last_year.period.save()
    Evaluation.objects.filter(pk=last_year.pk).update(status=Evaluation.Status.ASSESSED)
    assert previous_results(evaluation) == {}


def test_previous_results_shown_for_an_institution_released_alone(evaluation, last_year):
    # Released for chosen institutions: the period as a whole is not released yet.
    Evaluation.objects.filter(pk=last_year.pk).update(status=Evaluation.Status.RELEASED)
    assert previous_results(evaluation) == {
        7: {"levels": [2], "recommendation": "Tetapkan SOP layanan."}
    }


def test_previous_results_for_one_indicator(evaluation, last_year):
    Evaluation.objects.filter(pk=last_year.pk).update(status=Evaluation.Status.RELEASED)
    assert previous_results(evaluation, number=7) == {
        7: {"levels": [2], "recommendation": "Tetapkan SOP layanan."}
    }
    assert previous_results(evaluation, number=8) == {}


def test_the_indicator_page_shows_last_years_result_in_the_same_queries(
    client, evaluation, last_year, operator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tests.conftest import logged_in

    indicator = last_year.answers.first().indicator  # number 7, same framework
    url = reverse("evaluations:answer-edit", args=[evaluation.pk, indicator.pk])
    logged_in(client, operator)
    client.get(url)  # the first page of a process fills its framework cache
    with CaptureQueriesContext(connection) as unreleased:
        page = client.get(url)
    assert "Tetapkan SOP layanan." not in page.content.decode()

    Evaluation.objects.filter(pk=last_year.pk).update(status=Evaluation.Status.RELEASED)
    with CaptureQueriesContext(connection) as released:
        page = client.get(url)
    assert "Tetapkan SOP layanan." in page.content.decode()
    # Last year's evaluation is a subquery of its results: one query, found or not.
    assert len(released.captured_queries) == len(unreleased.captured_queries)
