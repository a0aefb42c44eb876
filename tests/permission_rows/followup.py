"""Matrix rows for the follow-up pages: the institution's own staff only; an item of
another institution is a 404 for its staff, and other roles get 403 before any lookup."""

from evaluations.models import FollowUp, FollowUpEvidence
from tests import factories as f

from . import LOGIN, Row, only
from .selfeval import STAFF_REDIRECT, indicator, scoped

NOT_STAFF = {"assessor": 403, "unassigned_assessor": 403, "coordinator": 403}
NOT_STAFF |= {"other_coordinator": 403, "admin": 403}


def item(cast, evaluation=None):
    evaluation = evaluation or cast.evaluation
    return FollowUp.objects.create(
        institution=evaluation.institution,
        evaluation=evaluation,
        indicator=indicator(cast),
        text="Tetapkan kebijakan internal arsitektur SPBE.",
    )


def own(cast):
    return {"pk": item(cast).pk}


def foreign_item(cast):
    return {"pk": item(cast, cast.other_evaluation).pk}


def own_link(cast):
    fu = item(cast)
    ev = f.EvidenceFileFactory(evaluation=cast.evaluation)
    return {"pk": fu.pk, "link_pk": FollowUpEvidence.objects.create(follow_up=fu, evidence=ev).pk}


def use_setup(cast):
    """A done item's file offered to the same evaluation: the service refuses it (not an
    earlier period) with a message and a redirect, which is what the matrix needs."""
    fu = item(cast)
    FollowUp.objects.filter(pk=fu.pk).update(status=FollowUp.Status.DONE)
    ev = f.EvidenceFileFactory(evaluation=cast.evaluation)
    link = FollowUpEvidence.objects.create(follow_up=fu, evidence=ev)
    return {"pk": cast.evaluation.pk, "indicator_pk": fu.indicator_id, "link_pk": link.pk}


def assign_data(cast):
    return {"owner": cast.operator.pk, "owner_unit": "Pusdatin", "due_date": "2027-03-31"}


ROWS = [
    Row(
        "evaluations:follow-up-list",
        only({"operator": 200, "supervisor": 200, "other_operator": 200}),
    ),
    Row(
        "evaluations:follow-up-detail",
        only({"operator": 200, "supervisor": 200, "other_operator": 404}),
        setup=own,
    ),
    Row(
        "evaluations:follow-up-detail",
        {"anonymous": LOGIN, "operator": 404, "supervisor": 404, "other_operator": 200} | NOT_STAFF,
        setup=foreign_item,
        id="follow-up-detail-other-institution",
    ),
    Row(
        "evaluations:follow-up-detail",
        only({"operator": 302, "supervisor": 302, "other_operator": 404}),
        setup=own,
        method="post",
        data=lambda cast: {"status": FollowUp.Status.IN_PROGRESS, "note": "Draf disusun."},
        id="follow-up-update",
    ),
    Row(
        "evaluations:follow-up-assign",
        only({"supervisor": 302, "other_operator": 404}),
        setup=own,
        method="post",
        data=assign_data,
    ),
    Row(
        "evaluations:follow-up-assign",
        only({"operator": 405, "supervisor": 405, "other_operator": 405}, others=405)
        | {"anonymous": LOGIN},
        setup=own,
        id="follow-up-assign-get",
    ),
    Row(
        "evaluations:follow-up-evidence-upload",
        only({"operator": 302, "supervisor": 302, "other_operator": 404}),
        setup=own,
        method="post",
    ),
    Row(
        "evaluations:follow-up-evidence-link",
        only({"operator": 302, "supervisor": 302, "other_operator": 404}),
        setup=own,
        method="post",
    ),
    Row(
        "evaluations:follow-up-evidence-unlink",
        only({"operator": 302, "supervisor": 302, "other_operator": 404}),
        setup=own_link,
        method="post",
    ),
    Row(
        "evaluations:follow-up-evidence-use",
        scoped(**STAFF_REDIRECT),
        setup=use_setup,
        method="post",
    ),
    Row("evaluations:follow-up-dashboard", only({"admin": 200})),
    Row(
        "evaluations:follow-up-export",
        only({"admin": 200}),
        setup=lambda cast: (item(cast), {})[1],
        data=lambda cast: {"period": cast.evaluation.period_id, "table": "kind"},
    ),
]
