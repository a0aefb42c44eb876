"""Matrix rows for the interview and site-visit pages: only the assigned assessor;
another institution's evaluation is 404 for everyone outside its scope."""

import datetime as dt

from django.utils import timezone

from evaluations.models import Evaluation, PeriodMode

from . import Row
from .assessment import OTHER_EVALUATION, SCORE, SCORE_POST, _submitted


def _at_interview(cast):
    kwargs = _submitted(cast)
    Evaluation.objects.filter(pk=cast.evaluation.pk).update(
        status=Evaluation.Status.UNDER_ASSESSMENT
    )
    period = cast.period
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at = timezone.now() - dt.timedelta(days=1)
    period.interview_closes_at = timezone.now() + dt.timedelta(days=1)
    period.save()
    return {**kwargs, "stage": "interview"}


def _answer_kwargs(cast):
    return {**_at_interview(cast), "indicator_pk": cast.indicator.pk, "entry": 1}


ROWS = [
    Row("evaluations:stage-sheet", SCORE, setup=_at_interview),
    Row(
        "evaluations:stage-sheet",
        OTHER_EVALUATION,
        setup=lambda c: {"pk": c.other_evaluation.pk, "stage": "interview"},
        id="stage-sheet-other-evaluation",
    ),
    Row(
        "evaluations:stage-answer-save",
        SCORE_POST,
        setup=_answer_kwargs,
        method="post",
        data=lambda c: {"level": "4", "facts": "Wawancara", "version": "0"},
    ),
]


def _agenda_kwargs(cast):
    kwargs = _at_interview(cast)
    kwargs.pop("stage")
    return {**kwargs, "indicator_pk": cast.indicator.pk}


ROWS += [
    Row(
        "evaluations:agenda-mark",
        SCORE_POST,
        setup=_agenda_kwargs,
        method="post",
        data=lambda c: {"question": "Mana buktinya?"},
    ),
]
