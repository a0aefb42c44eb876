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
    for i in range(3):
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
