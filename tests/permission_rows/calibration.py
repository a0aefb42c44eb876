"""Matrix rows for calibration: the admin's page and assignment; the second assessor's
list, blind scoring page and save (only the assessor given the item: another assessor
gets 404); consensus for the assessing university's coordinator and admins (another
university's coordinator gets 404)."""

from decimal import Decimal

from evaluations.models import CalibrationAnswer, CalibrationItem, CalibrationSample, Phase
from tests import factories as f

from . import Row, only
from .selfeval import indicator

ASSESSORS_ONLY = {"assessor": 200, "unassigned_assessor": 200}


def _period(cast):
    return {"pk": cast.period.pk}


def _item(cast):
    """A's evaluation sampled, its second assessor `unassigned_assessor` (set directly:
    the service's other-university rule is tested with the service)."""
    sample = CalibrationSample.objects.create(
        period=cast.period, share=Decimal("0.1"), seed=1, drawn_by=cast.admin
    )
    return CalibrationItem.objects.create(
        sample=sample, evaluation=cast.evaluation, second_assessor=cast.unassigned_assessor
    )


def _item_kwargs(cast):
    return {"pk": _item(cast).pk}


def _item_indicator(cast):
    return {"pk": _item(cast).pk, "indicator_pk": indicator(cast).pk, "entry": 1}


def _disagreement(cast):
    """The item with one entry scored 4 by the first assessor and 1 by the second, so
    the consensus list links its page."""
    item = _item(cast)
    ind = indicator(cast)
    f.AnswerFactory(
        evaluation=cast.evaluation,
        indicator=ind,
        phase=Phase.DOCUMENT,
        level=4,
        updated_by=cast.assessor,
    )
    CalibrationAnswer.objects.create(
        item=item, indicator=ind, level=1, assessor=cast.unassigned_assessor
    )
    return {"pk": item.pk}


def _assign(cast):
    return {"pk": cast.period.pk, "item_pk": _item(cast).pk}


SECOND = {"assessor": 404, "unassigned_assessor": 200}
CONSENSUS = {"coordinator": 200, "other_coordinator": 404, "admin": 200}

ROWS = [
    Row("evaluations:calibration", only({"admin": 200}), setup=_period),
    Row(
        "evaluations:calibration",
        only({"admin": 302}),
        setup=_period,
        method="post",
        data=lambda cast: {"share": "50", "seed": "7"},
        id="post:evaluations:calibration",
    ),
    Row(
        "evaluations:calibration-assign",
        only({"admin": 302}),
        setup=_assign,
        method="post",
        data=lambda cast: {"assessor": cast.assessor.pk},
    ),
    Row("evaluations:second-assessment-list", only(ASSESSORS_ONLY)),
    Row("evaluations:second-assessment", only(SECOND), setup=_item_kwargs),
    Row(
        "evaluations:second-level-save",
        only({"assessor": 404, "unassigned_assessor": 302}),
        setup=_item_indicator,
        method="post",
        data=lambda cast: {"level": 3},
    ),
    Row(
        "evaluations:consensus-list",
        only({"coordinator": 200, "other_coordinator": 200, "admin": 200}),
    ),
    Row("evaluations:consensus-detail", only(CONSENSUS), setup=_disagreement),
    Row(
        "evaluations:consensus-decide",
        only({"coordinator": 400, "other_coordinator": 404, "admin": 400}),
        setup=_item_indicator,
        method="post",
        data=lambda cast: {"level": 2, "reason": ""},
    ),
]
