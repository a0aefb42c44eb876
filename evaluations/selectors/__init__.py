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
    qs = Evaluation.objects.all()
    if roles.is_institution_staff(user):
        return qs.filter(institution_id=user.institution_id)
    if roles.is_assessor(user):
        return qs.filter(assignments__assessor=user)
    if roles.is_coordinator(user):
        return qs.filter(university_id=user.university_id)
    if roles.is_admin(user):
        return qs
    return qs.none()


def evaluations_second_assessed_by(user) -> QuerySet[Evaluation]:
    """The sampled evaluations `user` scores blind as second assessor. They read the
    institution's answers and evidence there, but these evaluations are kept out of
    `evaluations_visible_to`: that scope lets an assessor score as the first assessor."""
    if not roles.is_assessor(user):
        return Evaluation.objects.none()
    return Evaluation.objects.filter(calibration__second_assessor=user)
