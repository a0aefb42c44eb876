"""Matrix rows for the document-evaluation URLs.

The cast's `evaluation` (institution A) is assessed by the coordinator's university
with `assessor` assigned; `other_evaluation` (B) has no university yet. The queue and
the coordinator dashboard rows live in core.py.
"""

from decimal import Decimal

from evaluations.models import Evaluation

from . import Row, everyone, only


def _submitted(cast):
    """A's evaluation submitted, with a one-indicator framework; URL kwargs of its scoring."""
    from tests.evaluations.assessment_helpers import small_framework, submit

    indicators = small_framework(cast.period.framework, n=2)
    submit(cast.evaluation, indicators=indicators)
    cast.indicator = indicators[0]
    return {"pk": cast.evaluation.pk}


def _answer_kwargs(cast):
    kwargs = _submitted(cast)
    return {**kwargs, "indicator_pk": cast.indicator.pk, "entry": 1}


def _aspect_kwargs(cast):
    kwargs = _submitted(cast)
    return {**kwargs, "aspect_pk": cast.indicator.aspect_id}


def _assessed(cast):
    kwargs = _submitted(cast)
    Evaluation.objects.filter(pk=cast.evaluation.pk).update(status=Evaluation.Status.ASSESSED)
    return kwargs


def _released(cast):
    kwargs = _submitted(cast)
    Evaluation.objects.filter(pk=cast.evaluation.pk).update(
        status=Evaluation.Status.RELEASED, final_index=Decimal("3.00"), final_predicate="Baik"
    )
    return kwargs


def _period(cast):
    return {"period_pk": cast.period.pk}


# Who sees A's evaluation: its staff, its assessor, the university's coordinator, admins.
SCORE = everyone(
    403,
    assessor=200,
    unassigned_assessor=404,
    other_operator=404,
    other_coordinator=404,
)
SCORE_POST = {**SCORE, "assessor": 302}
# B's evaluation is in no one's scope but the admin's (who has no scoring capability).
OTHER_EVALUATION = everyone(
    403,
    assessor=404,
    unassigned_assessor=404,
    coordinator=404,
    operator=404,
    supervisor=404,
    other_coordinator=404,
    admin=403,
)
REVIEW = everyone(
    403,
    coordinator=200,
    admin=200,
    unassigned_assessor=404,
    other_operator=404,
    other_coordinator=404,
)
REVIEW_POST = {**REVIEW, "coordinator": 302, "admin": 302}
ADMIN_GET = only({"admin": 200})
ADMIN_POST = only({"admin": 302})

ROWS = [
    # Assessor
    Row("evaluations:assessment-score", SCORE, setup=lambda c: {"pk": c.evaluation.pk}),
    Row(
        "evaluations:assessment-score",
        OTHER_EVALUATION,
        setup=lambda c: {"pk": c.other_evaluation.pk},
        id="assessment-score-other-evaluation",
    ),
    Row(
        "evaluations:assessment-answer-save",
        SCORE_POST,
        setup=_answer_kwargs,
        method="post",
        data=lambda c: {"level": "3", "note": "Sesuai bukti", "version": "0"},
    ),
    Row(
        "evaluations:assessment-answer-save",
        SCORE_POST | {"assessor": 200},
        setup=_answer_kwargs,
        method="post",
        data=lambda c: {"level": "3", "note": "Sesuai bukti", "version": "0"},
        headers={"HTTP_HX_REQUEST": "true"},
        id="assessment-answer-save-htmx",
    ),
    Row(
        "evaluations:assessment-aspect-save",
        SCORE_POST,
        setup=_aspect_kwargs,
        method="post",
        data=lambda c: {"strengths": "Kuat", "weaknesses": "", "version": "0"},
    ),
    Row(
        "evaluations:assessment-clarify",
        SCORE_POST,
        setup=_submitted,
        method="post",
        data=lambda c: {"indicators": [c.indicator.pk], "reason": "Lampirkan SK"},
    ),
    Row("evaluations:assessment-complete", SCORE_POST, setup=_submitted, method="post"),
    # Coordinator
    Row(
        "evaluations:assessor-assign",
        only({"coordinator": 302, "other_coordinator": 404}),
        setup=_period,
        method="post",
        data=lambda c: {"evaluation": c.evaluation.pk, "assessor": c.unassigned_assessor.pk},
    ),
    Row(
        "evaluations:assessor-auto-assign",
        only({"coordinator": 302, "other_coordinator": 302}),
        setup=_period,
        method="post",
    ),
    Row(
        "evaluations:assessor-auto-undo",
        only({"coordinator": 302, "other_coordinator": 302}),
        setup=_period,
        method="post",
    ),
    Row("evaluations:assessment-review", REVIEW, setup=_assessed),
    Row("evaluations:assessment-approve", REVIEW_POST, setup=_assessed, method="post"),
    Row(
        "evaluations:assessment-send-back",
        REVIEW_POST,
        setup=_assessed,
        method="post",
        data=lambda c: {"comment": "Periksa lagi"},
    ),
    # Ministry admin
    Row("evaluations:assignment-home", only({"admin": 302})),
    Row("evaluations:assignment-universities", ADMIN_GET, setup=_period),
    Row(
        "evaluations:assignment-university-set",
        ADMIN_POST,
        setup=_period,
        method="post",
        data=lambda c: {
            "evaluation": c.other_evaluation.pk,
            "university": c.other_coordinator.university.code,
        },
    ),
    Row("evaluations:assignment-university-auto", ADMIN_POST, setup=_period, method="post"),
    Row("evaluations:assignment-university-undo", ADMIN_POST, setup=_period, method="post"),
    Row("evaluations:assignment-university-csv", ADMIN_GET, setup=_period),
    Row("evaluations:results-release", ADMIN_GET, setup=_period),
    Row("evaluations:results-national", ADMIN_GET, setup=_period),
    # Institution
    Row(
        "evaluations:result-list",
        only({"operator": 200, "supervisor": 200, "other_operator": 200}),
    ),
    Row(
        "evaluations:result",
        everyone(
            403,
            coordinator=404,
            admin=404,
            unassigned_assessor=404,
            other_operator=404,
            other_coordinator=404,
        ),
        setup=_submitted,
        id="result-before-release",
    ),
    Row(
        "evaluations:result",
        everyone(
            200,
            assessor=403,
            unassigned_assessor=404,
            other_operator=404,
            other_coordinator=404,
        ),
        setup=_released,
        id="result-released",
    ),
]
