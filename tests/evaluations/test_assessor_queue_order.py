"""The assessor's queue: work still to do first under its own heading, with its due
date; finished evaluations of earlier periods after it."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from evaluations.models import Evaluation
from evaluations.wib import format_wib
from tests import factories as f
from tests.conftest import logged_in


def test_open_work_comes_first_with_its_due_date(client, assessor, period):
    old_period = f.EvaluationPeriodFactory(
        year=2019, name="Evaluasi SPBE 2019", opens_at=timezone.now() - dt.timedelta(days=700)
    )
    period.review_closes_at = timezone.now() + dt.timedelta(days=10)
    period.save()
    done = []
    for _ in range(3):
        ev = f.EvaluationFactory(
            period=old_period, university=assessor.university, status=Evaluation.Status.RELEASED
        )
        f.AssessorAssignmentFactory(evaluation=ev, assessor=assessor)
        done.append(ev)
    todo = f.EvaluationFactory(
        period=period, university=assessor.university, status=Evaluation.Status.SUBMITTED
    )
    f.AssessorAssignmentFactory(evaluation=todo, assessor=assessor)
    html = logged_in(client, assessor).get(reverse("evaluations:assessor-queue")).content.decode()
    to_do, rest = html.index("To do"), html.index("Done or waiting for others")
    assert to_do < html.index(todo.institution.name) < rest
    assert all(html.index(ev.institution.name) > rest for ev in done)
    assert "Due " + format_wib(period.review_closes_at, "minute") in html
    assert html.count("Due ") == 1  # finished work shows no due date


def test_scoring_choice_says_what_each_level_means(client, assessor, evaluation, period):
    from evaluations.models import Indicator

    from .assessment_helpers import small_framework, submit

    indicators = small_framework(period.framework)
    Indicator.objects.filter(pk=indicators[0].pk).update(
        level_descriptions={"1": "Belum ada kebijakan internal", "3": "Kebijakan sudah ditetapkan"}
    )
    submit(evaluation, indicators=indicators)
    url = reverse("evaluations:assessment-score", args=[evaluation.pk])
    html = logged_in(client, assessor).get(url).content.decode()
    assert ">1 — Belum ada kebijakan internal</option>" in html
    assert ">3 — Kebijakan sudah ditetapkan</option>" in html
