"""The deadline box on the institution's pages: amber within a week, red within a day,
said in words as well as colour, and "Submitted" instead of a countdown once handed in."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations import deadlines
from evaluations.models import Evaluation, EvaluationPeriod
from tests.conftest import logged_in


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (dt.timedelta(0), "closed"),
        (dt.timedelta(seconds=1), "urgent"),
        (dt.timedelta(hours=23, minutes=59, seconds=59), "urgent"),
        (dt.timedelta(hours=24), "soon"),
        (dt.timedelta(days=6, hours=23), "soon"),
        (dt.timedelta(days=7), ""),
        (dt.timedelta(days=30), ""),
    ],
)
def test_urgency_thresholds(left, expected):
    assert deadlines.urgency(left) == expected


def _dashboard(client, operator, evaluation, left):
    EvaluationPeriod.objects.filter(pk=evaluation.period_id).update(
        deadline=timezone.now() + left, grace_minutes=0
    )
    return logged_in(client, operator).get(reverse("evaluations:institution-dashboard"))


@pytest.mark.parametrize(
    ("left", "css", "words"),
    [
        (dt.timedelta(days=3), "deadline-soon", "Less than 7 days left"),
        (dt.timedelta(hours=2), "deadline-urgent", "Less than 24 hours left"),
    ],
)
def test_box_turns_amber_then_red_with_words(client, operator, evaluation, left, css, words):
    html = _dashboard(client, operator, evaluation, left).content.decode()
    assert f"deadline-box mb-3 {css}" in html
    assert words in html


def test_box_is_plain_with_weeks_to_go(client, operator, evaluation):
    html = _dashboard(client, operator, evaluation, dt.timedelta(days=20)).content.decode()
    assert "deadline-soon" not in html and "deadline-urgent" not in html
    assert "days left" not in html and 'class="fw-semibold countdown"' in html


def test_countdown_speaks_the_page_language(client, operator, evaluation, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    html = _dashboard(client, operator, evaluation, dt.timedelta(days=20)).content.decode()
    assert 'data-format="{days} hari {hms}"' in html
    assert "19 hari 23:59:" in html or "20 hari 00:00:" in html


def test_submitted_shows_submitted_instead_of_a_countdown(client, operator, evaluation, supervisor):
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.SUBMITTED, submitted_at=timezone.now(), submitted_by=supervisor
    )
    html = _dashboard(client, operator, evaluation, dt.timedelta(hours=2)).content.decode()
    assert "countdown" not in html.split("deadline-box", 1)[1].split("</div>\n</div>", 1)[0]
    assert "submitted-note" in html
    assert "deadline-urgent" not in html and "Less than 24 hours left" not in html


def test_dashboard_links_the_documents_once_submitted(client, operator, evaluation, supervisor):
    documents = reverse("evaluations:report-list", args=[evaluation.pk])
    assert (
        documents
        not in _dashboard(client, operator, evaluation, dt.timedelta(days=9)).content.decode()
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.SUBMITTED, submitted_at=timezone.now(), submitted_by=supervisor
    )
    assert (
        documents in _dashboard(client, operator, evaluation, dt.timedelta(days=9)).content.decode()
    )
