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


def require_admin(user) -> None:
    """Raise PermissionDenied (403) unless the user is a ministry admin."""
    if not can_manage_period(user):
        raise PermissionDenied


def get_period_for(request, pk: int, *, need: str = "manage"):
    """A period for the admin's screens: 403 for other roles, 404 for an unknown pk.

    Periods are not secret (every role sees their names), so the role is checked first:
    a non-admin gets 403 whether or not the pk exists.
    """
    from evaluations.models import EvaluationPeriod

    if need != "manage":
        raise ValueError(need)
    require_admin(request.user)
    return get_object_or_404(EvaluationPeriod.objects.select_related("framework"), pk=pk)


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


# --- Self-evaluation (issue 3) ----------------------------------------------------------


def reopened_indicator_ids(reopening) -> set[int] | None:
    """None when the whole evaluation is reopened, else the reopened indicator ids."""
    if reopening is None:
        return set()
    if reopening.whole:
        return None
    return {i.pk for i in reopening.indicators.all()}


def self_window_open(evaluation: Evaluation, now, extension=None, reopening=None) -> bool:
    """Whether the institution's write window is open now (status and deadline).

    Not started / in progress: until the period's (or extension's) deadline, exact to
    the second (evaluations.deadlines). Returned: while the reopening is open, until
    its `due_at` when it has one, else until the period's (or extension's) deadline.
    """
    from evaluations import deadlines

    if evaluation.status in Evaluation.SELF_EDITABLE:
        return deadlines.is_open_for_writes(evaluation.period, now, extension)
    if evaluation.status == Evaluation.Status.RETURNED and reopening is not None:
        if reopening.due_at is not None:
            return deadlines.is_before_cutoff(reopening.due_at, now)
        return deadlines.is_open_for_writes(evaluation.period, now, extension)
    return False


def can_edit_answers(user, evaluation: Evaluation, now, extension=None, reopening=None) -> bool:
    """Institution staff of the evaluation, while its write window is open."""
    return is_institution_staff_of(user, evaluation) and self_window_open(
        evaluation, now, extension, reopening
    )


def can_submit(user, evaluation: Evaluation) -> bool:
    """Only the institution's supervisor submits (deadline checked by the service)."""
    return bool(
        is_institution_staff_of(user, evaluation)
        and user.role == Role.SUPERVISOR
        and evaluation.status in (Evaluation.SELF_EDITABLE | {Evaluation.Status.RETURNED})
    )


def can_return_evaluation(user, evaluation: Evaluation) -> bool:
    """Ministry admins return a submitted evaluation to the institution."""
    return can_manage_period(user)


def _can_edit_now(user, evaluation: Evaluation) -> bool:
    # Loads the extension and the open reopening (two queries): capability wrapper only.
    from django.utils import timezone

    from evaluations.selectors.selfeval import active_extension, open_reopening

    if not is_institution_staff_of(user, evaluation):
        return False
    return can_edit_answers(
        user,
        evaluation,
        timezone.now(),
        active_extension(evaluation.period, evaluation.institution_id),
        open_reopening(evaluation) if evaluation.status == Evaluation.Status.RETURNED else None,
    )


# --- Document evaluation (issue 4) --------------------------------------------------------


def can_score(user, evaluation: Evaluation) -> bool:
    """An assessor assigned to the evaluation (the scope already checked the assignment)."""
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.ASSESSOR)


def can_review_assessment(user, evaluation: Evaluation) -> bool:
    """The coordinator of the evaluation's university, or a ministry admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    return bool(
        user.role == Role.COORDINATOR
        and evaluation.university_id is not None
        and user.university_id == evaluation.university_id
    )


def can_view_result(user, evaluation: Evaluation) -> bool:
    """Institution staff once the result is released; reviewers and admins always."""
    if is_institution_staff_of(user, evaluation):
        return evaluation.status == Evaluation.Status.RELEASED
    return can_review_assessment(user, evaluation)


# --- Reports (issue 5) ----------------------------------------------------------------------


def can_view_receipt(user, evaluation: Evaluation) -> bool:
    """Submission receipts: the institution's staff, its assessors and ministry admins."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role in (Role.OPERATOR, Role.SUPERVISOR, Role.ASSESSOR, Role.ADMIN)
        and can_view_evaluation(user, evaluation)
    )


def can_view_institution_report(user, evaluation: Evaluation) -> bool:
    """The institution report: its staff once released; its assessors, its university's
    coordinator and ministry admins always (the document exists only after release)."""
    if is_institution_staff_of(user, evaluation):
        return evaluation.status == Evaluation.Status.RELEASED
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role in (Role.ASSESSOR, Role.COORDINATOR, Role.ADMIN)
        and can_view_evaluation(user, evaluation)
    )


# Capability checks by name, used by get_evaluation_for(need=...). Feature modules
# register their predicates here: need -> callable(user, evaluation) -> bool.
CAPABILITIES: dict[str, object] = {
    "view": lambda user, evaluation: True,  # visibility was already checked by the scope
    # Self-evaluation (issue 3)
    "selfeval": is_institution_staff_of,  # the institution's own pages, read or write
    "edit": _can_edit_now,
    "submit": lambda user, evaluation: (
        is_institution_staff_of(user, evaluation) and user.role == Role.SUPERVISOR
    ),
    "return": can_return_evaluation,
    # Document evaluation (issue 4)
    "score": can_score,
    "review": can_review_assessment,
    "result": can_view_result,
    # Reports (issue 5)
    "receipt": can_view_receipt,
    "institution_report": can_view_institution_report,
}


def get_evaluation_for(request, pk: int, *, need: str = "view", queryset=None) -> Evaluation:
    """Load an evaluation the user may see, then check the capability `need`.

    Raises Http404 when outside the user's scope and PermissionDenied when the
    capability is missing.
    """
    visible = evaluations_visible_to(request.user)
    # The visibility filter itself when no narrower queryset is given (the common,
    # hot path: one plain query); otherwise intersect with it.
    scoped = visible if queryset is None else queryset.filter(pk__in=visible.values("pk"))
    evaluation = get_object_or_404(scoped.select_related("institution", "period__framework"), pk=pk)
    check = CAPABILITIES[need]
    if not check(request.user, evaluation):
        raise PermissionDenied
    return evaluation


# --- People: who invites, resends and deactivates whom -----------------------------------


def invitable_roles(user) -> tuple[str, ...]:
    """The roles a user may give to the people they invite (empty: may not invite).

    A ministry admin invites every role but admin; a supervisor the operators of the own
    institution; a coordinator the assessors of the own university.
    """
    if not getattr(user, "is_authenticated", False):
        return ()
    if user.role == Role.ADMIN:
        return (Role.OPERATOR, Role.SUPERVISOR, Role.ASSESSOR, Role.COORDINATOR)
    if user.role == Role.SUPERVISOR:
        return (Role.OPERATOR,)
    if user.role == Role.COORDINATOR:
        return (Role.ASSESSOR,)
    return ()


def can_manage_person(user, person) -> bool:
    """Whether `user` may resend `person`'s invitation or deactivate the account."""
    if (
        not invitable_roles(user)
        or person.pk == user.pk
        or person.role not in invitable_roles(user)
    ):
        return False
    if user.role == Role.SUPERVISOR:
        return person.institution_id == user.institution_id
    if user.role == Role.COORDINATOR:
        return person.university_id == user.university_id
    return True
