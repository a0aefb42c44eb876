"""Matrix rows for the people pages. Admins manage everyone but admins; a supervisor the
own institution's operators; a coordinator the own university's assessors. Another
institution's or university's person is a 404."""

from institutions.models import Role
from tests import factories as f

from . import Row, everyone, only

PEOPLE_MANAGERS = only(
    {"admin": 200, "supervisor": 200, "coordinator": 200, "other_coordinator": 200}
)


def _invited_operator(cast):
    person = f.UserFactory(role=Role.OPERATOR, institution=cast.institution)
    person.set_unusable_password()
    person.save()
    return {"pk": person.pk}


def _invited_assessor(cast):
    person = f.UserFactory(role=Role.ASSESSOR, university=cast.evaluation.university)
    person.set_unusable_password()
    person.save()
    return {"pk": person.pk}


ROWS = [
    Row("evaluations:person-list", PEOPLE_MANAGERS),
    Row("evaluations:person-invite", PEOPLE_MANAGERS),
    Row("evaluations:person-import", only({"admin": 200})),
    # The own institution's operator: supervisor and admin; outside the coordinators' scope.
    Row(
        "evaluations:person-resend",
        only({"admin": 302, "supervisor": 302, "coordinator": 404, "other_coordinator": 404}),
        setup=_invited_operator,
        method="post",
        id="resend-operator",
    ),
    Row(
        "evaluations:person-resend",
        only({"admin": 302, "supervisor": 404, "coordinator": 302, "other_coordinator": 404}),
        setup=_invited_assessor,
        method="post",
        id="resend-assessor",
    ),
    Row(
        "evaluations:person-deactivate",
        only({"admin": 302, "supervisor": 302, "coordinator": 404, "other_coordinator": 404}),
        setup=_invited_operator,
        method="post",
        data=lambda cast: {"reason": "Pindah tugas"},
        id="deactivate-operator",
    ),
    Row(
        "invitation-accept",
        everyone(404, anonymous=404),
        setup=lambda cast: {"token": "not-a-token"},
    ),
]
