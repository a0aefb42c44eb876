"""Matrix rows for the ministry review: ministry admins only; those who see the
evaluation otherwise get 403, those who do not see it 404."""

import datetime as dt

from django.utils import timezone

from evaluations.models import Evaluation

from . import Row, everyone, only
from .assessment import OTHER_EVALUATION, SCORE, SCORE_POST, _submitted

REVIEWER = everyone(
    403,
    admin=200,
    unassigned_assessor=404,
    other_operator=404,
    other_coordinator=404,
)
REVIEWER_POST = {**REVIEWER, "admin": 302}


def _approved(cast):
    from tests.evaluations.assessment_helpers import score_all

    kwargs = _submitted(cast)
    indicators = list(cast.period.framework.indicators.order_by("number"))
    score_all(cast.evaluation, indicators, [3] * len(indicators))
    Evaluation.objects.filter(pk=cast.evaluation.pk).update(status=Evaluation.Status.APPROVED)
    period = cast.period
    period.review_opens_at = timezone.now() - dt.timedelta(days=1)
    period.review_closes_at = timezone.now() + dt.timedelta(days=1)
    period.save()
    return kwargs


def _verdict_kwargs(cast):
    return {**_approved(cast), "indicator_pk": cast.indicator.pk, "entry": 1}


ROWS = [
    Row("evaluations:ministry-review", REVIEWER, setup=_approved),
    Row(
        "evaluations:ministry-review-verdict",
        REVIEWER_POST,
        setup=_verdict_kwargs,
        method="post",
        data=lambda c: {"valid": "yes", "version": "0"},
    ),
    Row("evaluations:ministry-review-complete", REVIEWER_POST, setup=_approved, method="post"),
    Row(
        "evaluations:ministry-review-texts",
        REVIEWER_POST,
        setup=_approved,
        method="post",
        data=lambda c: {"accept": "yes"},
    ),
    Row(
        "evaluations:review-scope",
        only({"admin": 302}),
        setup=lambda c: {"period_pk": c.period.pk},
        method="post",
        data=lambda c: {"scope": "full"},
    ),
    # The assessor's texts: the assigned assessor only.
    Row("evaluations:assessment-texts", SCORE, setup=_approved),
    Row(
        "evaluations:assessment-texts",
        OTHER_EVALUATION,
        setup=lambda c: {"pk": c.other_evaluation.pk},
        id="assessment-texts-other-evaluation",
    ),
    Row(
        "evaluations:assessment-texts",
        SCORE_POST,
        setup=_approved,
        method="post",
        data=lambda c: {},
        id="assessment-texts-save",
    ),
    Row("evaluations:assessment-texts-hand-in", SCORE_POST, setup=_approved, method="post"),
    Row("evaluations:assessment-texts-draft", SCORE_POST, setup=_approved, method="post"),
]
