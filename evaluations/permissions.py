"""Who may do what with an evaluation: pure predicates and the scoped access helper.

Predicates read only the user, the object and relations already loaded (STYLE P1).
`get_evaluation_for` is the one entry point for views (STYLE P2): an object outside
the user's scope is a 404, a visible object with a forbidden action is a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from evaluations.models import Evaluation
from evaluations.selectors import evaluations_visible_to
from institutions.models import Role


def can_manage_period(user) -> bool:
    """Ministry admins run the cycle: periods, extensions, returns, releases."""
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.ADMIN)


def is_institution_staff_of(user, evaluation: Evaluation) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.role in (Role.OPERATOR, Role.SUPERVISOR)
        and user.institution_id == evaluation.institution_id
    )


def can_view_evaluation(user, evaluation: Evaluation) -> bool:
    """Mirror of evaluations_visible_to for one loaded object (used by the file views)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role in (Role.OPERATOR, Role.SUPERVISOR):
        return user.institution_id == evaluation.institution_id
    if user.role == Role.COORDINATOR:
        return (
            evaluation.university_id is not None and user.university_id == evaluation.university_id
        )
    if user.role == Role.ASSESSOR:
        return any(a.assessor_id == user.pk for a in evaluation.assignments.all())
    return False


# Capability checks by name, used by get_evaluation_for(need=...). Feature modules
# register their predicates here: need -> callable(user, evaluation) -> bool.
CAPABILITIES: dict[str, object] = {
    "view": lambda user, evaluation: True,  # visibility was already checked by the scope
}


def get_evaluation_for(request, pk: int, *, need: str = "view", queryset=None) -> Evaluation:
    """Load an evaluation the user may see, then check the capability `need`.

    Raises Http404 when outside the user's scope and PermissionDenied when the
    capability is missing.
    """
    base = queryset if queryset is not None else Evaluation.objects.all()
    scoped = base.filter(pk__in=evaluations_visible_to(request.user).values("pk"))
    evaluation = get_object_or_404(scoped.select_related("institution", "period__framework"), pk=pk)
    check = CAPABILITIES[need]
    if not check(request.user, evaluation):
        raise PermissionDenied
    return evaluation
