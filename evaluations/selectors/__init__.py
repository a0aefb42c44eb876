"""Reusable read queries, shaped for one screen each (STYLE Q1).

Visibility (who sees which evaluation) is encoded once, in
`evaluations_visible_to`; every list and detail view starts from it.
Area modules: `selfeval`, `assessment`, `reports`, `monitoring`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from evaluations.models import Evaluation
from institutions.models import Role


def evaluations_visible_to(user) -> QuerySet[Evaluation]:
    """The evaluations a user may see at all (STYLE P3).

    Institution staff: their own institution's. Assessors: those they are assigned
    to. Coordinators: those assigned to their university. Ministry admins: all.
    Anyone else: none.
    """
    qs = Evaluation.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.role in (Role.OPERATOR, Role.SUPERVISOR):
        return qs.filter(institution_id=user.institution_id)
    if user.role == Role.ASSESSOR:
        return qs.filter(assignments__assessor=user)
    if user.role == Role.COORDINATOR:
        return qs.filter(university_id=user.university_id)
    if user.role == Role.ADMIN:
        return qs
    return qs.none()
