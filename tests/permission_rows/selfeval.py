"""Matrix rows for the self-evaluation URLs.

Institution A's evaluation is visible to its staff, its assigned assessor, its
university's coordinator and admins; everyone else gets 404 (scoped lookup).
Pages of the institution's own work are for its staff only (403 for the others who
may see the evaluation).
"""

from django.utils import timezone

from evaluations.models import Evaluation
from tests import factories as f

from . import LOGIN, Row

OUTSIDE = {"other_operator": 404, "unassigned_assessor": 404, "other_coordinator": 404}


def scoped(**allowed):
    """Institution A's object: OUTSIDE roles 404, named roles as given, the rest 403."""
    expect = {
        "anonymous": LOGIN,
        "operator": 403,
        "supervisor": 403,
        "assessor": 403,
        "coordinator": 403,
        "admin": 403,
        **OUTSIDE,
    }
    expect.update(allowed)
    return expect


def foreign():
    """Institution B's object: 404 for everyone but B's operator and the admin."""
    expect = dict.fromkeys(
        [
            "operator",
            "supervisor",
            "assessor",
            "unassigned_assessor",
            "coordinator",
            "other_coordinator",
        ],
        404,
    )
    return {"anonymous": LOGIN, **expect}


def indicator(cast):
    return f.IndicatorFactory(
        framework=cast.period.framework,
        aspect=f.AspectFactory(domain=f.DomainFactory(framework=cast.period.framework)),
    )


def ev_ind(cast):
    return {"pk": cast.evaluation.pk, "indicator_pk": indicator(cast).pk}


def evidence(cast, evaluation=None):
    return f.EvidenceFileFactory(evaluation=evaluation or cast.evaluation)


def link(cast):
    ind = indicator(cast)
    answer = f.AnswerFactory(evaluation=cast.evaluation, indicator=ind)
    return {
        "pk": cast.evaluation.pk,
        "link_pk": f.EvidenceLinkFactory(evidence=evidence(cast), answer=answer).pk,
    }


def foreign_link(cast):
    answer = f.AnswerFactory(evaluation=cast.other_evaluation, indicator=indicator(cast))
    other = f.EvidenceLinkFactory(evidence=evidence(cast, cast.other_evaluation), answer=answer)
    return {"pk": cast.evaluation.pk, "link_pk": other.pk}


def submitted(cast):
    indicator(cast)
    Evaluation.objects.filter(pk=cast.evaluation.pk).update(
        status=Evaluation.Status.SUBMITTED, submitted_at=timezone.now(), submitted_by=cast.admin
    )
    return {"pk": cast.evaluation.pk}


STAFF = {"operator": 200, "supervisor": 200}
STAFF_REDIRECT = {"operator": 302, "supervisor": 302}
SEES_A = {"operator": 200, "supervisor": 200, "assessor": 200, "coordinator": 200, "admin": 200}

ROWS = [
    Row("evaluations:detail", scoped(**SEES_A), setup=lambda c: {"pk": c.evaluation.pk}),
    Row(
        "evaluations:detail",
        {**foreign(), "other_operator": 200, "admin": 200},
        setup=lambda c: {"pk": c.other_evaluation.pk},
        id="detail-other-institution",
    ),
    Row("evaluations:answer-edit", scoped(**STAFF), setup=ev_ind),
    Row(
        "evaluations:answer-edit",
        {**foreign(), "other_operator": 200, "admin": 403},
        setup=lambda c: {"pk": c.other_evaluation.pk, "indicator_pk": indicator(c).pk},
        id="answer-edit-other-institution",
    ),
    Row(
        "evaluations:answer-edit",
        scoped(**STAFF_REDIRECT),
        setup=ev_ind,
        method="post",
        data=lambda c: {
            "entry": 1,
            "e1-entry": 1,
            "e1-base_version": 0,
            "e1-level": 2,
            "e1-note": "Ada",
        },
        id="answer-edit-post",
    ),
    Row(
        "evaluations:evidence-link",
        scoped(**STAFF_REDIRECT),
        setup=ev_ind,
        method="post",
        data=lambda c: {"entry": 1, "evidence": evidence(c).pk},
    ),
    Row("evaluations:evidence-list", scoped(**STAFF), setup=lambda c: {"pk": c.evaluation.pk}),
    Row(
        "evaluations:evidence-upload",
        scoped(**STAFF_REDIRECT),
        setup=lambda c: {"pk": c.evaluation.pk},
        method="post",
    ),
    Row(
        "evaluations:evidence-delete",
        scoped(**STAFF),
        setup=lambda c: {"pk": c.evaluation.pk, "evidence_pk": evidence(c).pk},
    ),
    Row(
        "evaluations:evidence-delete",
        scoped(**STAFF_REDIRECT),
        setup=lambda c: {"pk": c.evaluation.pk, "evidence_pk": evidence(c).pk},
        method="post",
        id="evidence-delete-post",
    ),
    Row(
        "evaluations:evidence-delete",
        {**foreign(), "other_operator": 200, "admin": 403},
        setup=lambda c: {
            "pk": c.other_evaluation.pk,
            "evidence_pk": evidence(c, c.other_evaluation).pk,
        },
        id="evidence-delete-other-institution",
    ),
    Row(
        "evaluations:evidence-date",
        scoped(**STAFF_REDIRECT),
        setup=lambda c: {"pk": c.evaluation.pk, "evidence_pk": evidence(c).pk},
        method="post",
        data=lambda c: {"document_date": "2024-01-31"},
    ),
    # B's file under A's evaluation: not found for A's staff either.
    Row(
        "evaluations:evidence-date",
        scoped(operator=404, supervisor=404),
        setup=lambda c: {
            "pk": c.evaluation.pk,
            "evidence_pk": evidence(c, c.other_evaluation).pk,
        },
        method="post",
        id="evidence-date-other-institution",
    ),
    Row("evaluations:evidence-unlink", scoped(**STAFF_REDIRECT), setup=link, method="post"),
    # Institution B's link under A's evaluation: not found for A's staff either.
    Row(
        "evaluations:evidence-unlink",
        scoped(operator=404, supervisor=404),
        setup=foreign_link,
        method="post",
        id="evidence-unlink-foreign-link",
    ),
    Row(
        "evaluations:evidence-download",
        {
            "anonymous": LOGIN,
            **SEES_A,
            **OUTSIDE,
        },
        setup=lambda c: {"evidence_pk": evidence(c).pk},
    ),
    Row(
        "evaluations:evidence-download",
        {**foreign(), "other_operator": 200, "admin": 200},
        setup=lambda c: {"evidence_pk": evidence(c, c.other_evaluation).pk},
        id="evidence-download-other-institution",
    ),
    Row("evaluations:submission-check", scoped(**STAFF), setup=lambda c: {"pk": ev_ind(c)["pk"]}),
    # GET with missing answers: the supervisor is sent to the check page.
    Row("evaluations:submit", scoped(supervisor=302), setup=lambda c: {"pk": ev_ind(c)["pk"]}),
    Row(
        "evaluations:submit",
        scoped(supervisor=302),
        setup=lambda c: {"pk": ev_ind(c)["pk"]},
        method="post",
        id="submit-post",
    ),
    # Only the operator tells the supervisor; an incomplete evaluation answers with a
    # message on the check page (302).
    Row(
        "evaluations:tell-supervisor",
        scoped(operator=302),
        setup=lambda c: {"pk": c.evaluation.pk},
        method="post",
        id="tell-supervisor-post",
    ),
    Row("evaluations:return", scoped(admin=200), setup=submitted),
    Row(
        "evaluations:return",
        scoped(admin=302),
        setup=submitted,
        method="post",
        data=lambda c: {"whole": "on", "reason": "Bukti kurang"},
        id="return-post",
    ),
]

# The confirmation page after submitting: the institution's own staff; before a
# submission it sends them back to the dashboard.
ROWS += [
    Row("evaluations:submission-done", scoped(**STAFF), setup=submitted, id="submission-done"),
    Row(
        "evaluations:submission-done",
        scoped(**STAFF_REDIRECT),
        setup=lambda c: {"pk": c.evaluation.pk},
        id="submission-done-not-submitted",
    ),
]
