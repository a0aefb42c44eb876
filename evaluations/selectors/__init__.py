"""Reusable read queries, shaped for one screen each.

Visibility (who sees which evaluation) is encoded once, in
`evaluations_visible_to`; every list and detail view starts from it.
Area modules: `selfeval`, `assessment`, `reports`, `monitoring`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from evaluations.models import Evaluation
from institutions import permissions as roles


def evaluations_visible_to(user) -> QuerySet[Evaluation]:
    """The evaluations a user may see at all (the one place visibility is encoded).

    Institution staff: their own institution's. Assessors: those they are assigned
    to. Coordinators: those assigned to their university. Ministry admins: all.
    Anyone else: none.
    """
    return visible_in_scope(*visibility_scope(user))


# The kinds of scope `visibility_scope` returns; those in KEYED take a key (an id).
SCOPES = ("institution", "assessor", "university", "all", "none")
KEYED = ("institution", "assessor", "university")


def visibility_scope(user) -> tuple[str, int | None]:
    """(kind, key) of what `user` sees: the role decides the kind, the key is the id
    it filters on. Split from the QuerySet so that a lookup compiled once per kind
    (spbe_portal.prepared) serves every user of that kind."""
    if roles.is_institution_staff(user):
        return "institution", user.institution_id
    if roles.is_assessor(user):
        return "assessor", user.pk
    if roles.is_coordinator(user):
        return "university", user.university_id
    if roles.is_admin(user):
        return "all", None
    return "none", None


def visible_in_scope(kind: str, key: int | None) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.all()
    if kind == "institution":
        return qs.filter(institution_id=key)
    if kind == "assessor":
        return qs.filter(assignments__assessor_id=key)
    if kind == "university":
        return qs.filter(university_id=key)
    if kind == "all":
        return qs
    return qs.none()


def evaluations_second_assessed_by(user) -> QuerySet[Evaluation]:
    """The sampled evaluations `user` scores blind as second assessor. They read the
    institution's answers and evidence there, but these evaluations are kept out of
    `evaluations_visible_to`: that scope lets an assessor score as the first assessor."""
    if not roles.is_assessor(user):
        return Evaluation.objects.none()
    return Evaluation.objects.filter(calibration__second_assessor=user)
