"""Who may do what with an evaluation, a period or a report: the one home of the rule.

Three layers, each built on the one below:

1. Role predicates (`is_admin`, `is_coordinator`, ...) from institutions/permissions.py:
   pure functions of the user's role.
2. Object predicates (`can_score`, `can_submit`, ...): the user, the object and the
   relations already loaded, no queries beyond those (so a list can ask per row).
3. Access helpers for views (`get_evaluation_for`, `get_period_for`, `get_report_for`,
   `require_admin`): a scoped lookup first, so an object outside the user's scope is a
   404 that reveals nothing, then the capability, whose absence is a 403.

Services re-check the same predicates after taking their row lock; templates ask
through the `permissions` template tags, never by comparing roles or statuses.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from evaluations.deadlines import STAGE_CLOSED, STAGE_OPEN, is_stage_open, stage_state
from evaluations.models import CalibrationItem, Evaluation, EvaluationPeriod, FollowUp, Report
from evaluations.review_scope import needs_review
from evaluations.selectors import (
    KEYED,
    SCOPES,
    evaluations_visible_to,
    visibility_scope,
    visible_in_scope,
)
from institutions.models import Role
from institutions.permissions import (
    can_monitor,
    is_admin,
    is_assessor,
    is_coordinator,
    is_coordinator_of,
    is_institution_staff,
    is_ministry_reviewer,
    is_operator,
    is_supervisor,
    require_admin,
)
from spbe_portal.prepared import PreparedQuery

__all__ = [
    "CAPABILITIES",
    "assignment_is_open",
    "can_assign_follow_up",
    "can_coordinate",
    "can_edit_answers",
    "can_manage_period",
    "can_ministry_review",
    "can_monitor",
    "can_notify_supervisor",
    "can_request_clarification",
    "can_return_evaluation",
    "can_review_assessment",
    "can_score",
    "can_second_score",
    "can_submit",
    "can_update_follow_up",
    "can_view_evaluation",
    "can_view_institution_report",
    "can_view_provisional",
    "can_view_receipt",
    "can_view_result",
    "get_consensus_item_for",
    "get_evaluation_for",
    "get_follow_up_for",
    "get_period_for",
    "get_report_for",
    "get_second_assessment_for",
    "is_admin",
    "is_assessor",
    "is_coordinator",
    "is_coordinator_of",
    "is_institution_staff",
    "is_institution_staff_of",
    "is_supervisor",
    "provisional_is_out",
    "release_is_open",
    "reopened_indicator_ids",
    "require",
    "require_admin",
    "review_is_open",
    "scoring_is_open",
    "second_scoring_is_open",
    "self_window_open",
]


def require(allowed: bool) -> None:
    """Raise PermissionDenied (403) unless `allowed`: `require(can_score(user, ev))`."""
    if not allowed:
        raise PermissionDenied


# --- The cycle (ministry admins) --------------------------------------------------------


def can_manage_period(user) -> bool:
    """Ministry admins run the cycle: periods, extensions, returns, assignment, releases."""
    return is_admin(user)


def can_coordinate(user, university_id) -> bool:
    """A university's assignment and review: its coordinator, or a ministry admin."""
    return is_admin(user) or is_coordinator_of(user, university_id)


# --- Seeing an evaluation ---------------------------------------------------------------


def is_institution_staff_of(user, evaluation: Evaluation) -> bool:
    return is_institution_staff(user) and user.institution_id == evaluation.institution_id


def can_view_evaluation(user, evaluation: Evaluation) -> bool:
    """`evaluations_visible_to` for one loaded object (used by the file views)."""
    if is_admin(user):
        return True
    if is_institution_staff(user):
        return user.institution_id == evaluation.institution_id
    if is_coordinator(user):
        return is_coordinator_of(user, evaluation.university_id)
    if is_assessor(user):
        return any(a.assessor_id == user.pk for a in evaluation.assignments.all())
    return False


# --- Self-evaluation ----------------------------------------------------------------------


def reopened_indicator_ids(reopening) -> set[int] | None:
    """None when the whole evaluation is reopened, else the reopened indicator ids."""
    if reopening is None:
        return set()
    if reopening.whole:
        return None
    return {i.pk for i in reopening.indicators.all()}


def self_window_open(evaluation: Evaluation, now, extension=None, reopening=None) -> bool:
    """Whether the institution's write window is open now (status and deadline).

    Not started / in progress: until the deadline (evaluations.deadlines). Returned:
    while the reopening is open, until its own due time when it has one, else the
    deadline. Any other status: closed.
    """
    from evaluations import deadlines

    if evaluation.status in Evaluation.SELF_EDITABLE:
        return deadlines.is_open_for_writes(evaluation.period, now, extension)
    if evaluation.status == Evaluation.Status.RETURNED and reopening is not None:
        return deadlines.is_open_for_writes(evaluation.period, now, extension, reopening)
    return False


def can_edit_answers(user, evaluation: Evaluation, now, extension=None, reopening=None) -> bool:
    """Institution staff of the evaluation, while its write window is open."""
    return is_institution_staff_of(user, evaluation) and self_window_open(
        evaluation, now, extension, reopening
    )


def can_submit(user, evaluation: Evaluation) -> bool:
    """Only the institution's supervisor submits. Whether it can be submitted *now*
    (status, deadline, nothing missing) is the submission service's to check."""
    return is_supervisor(user) and user.institution_id == evaluation.institution_id


def can_notify_supervisor(user, evaluation: Evaluation) -> bool:
    """The institution's operator tells its supervisor the evaluation is ready to submit."""
    return is_operator(user) and user.institution_id == evaluation.institution_id


def can_return_evaluation(user, evaluation: Evaluation) -> bool:
    """Ministry admins return a submitted evaluation to the institution."""
    return can_manage_period(user)


def can_request_clarification(user, evaluation: Evaluation, *, assigned: bool) -> bool:
    """A clarification request: an assessor assigned to the evaluation, or an admin.
    `assigned` is whether `user` has an assignment on it (the caller knows)."""
    return can_manage_period(user) or (is_assessor(user) and assigned)


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


# --- Document evaluation ------------------------------------------------------------------


def can_score(user, evaluation: Evaluation) -> bool:
    """An assessor assigned to the evaluation (the scope already checked the assignment)."""
    return is_assessor(user)


def second_scoring_is_open(evaluation: Evaluation) -> bool:
    """Whether the second assessor of a sampled evaluation scores now: once it is
    submitted and until the first assessment is approved (consensus must come first)."""
    return evaluation.status in Evaluation.SECOND_SCORABLE


def can_second_score(user, item: CalibrationItem) -> bool:
    """The assessor the admin gave the sampled evaluation to, while scoring is open."""
    return (
        is_assessor(user)
        and item.second_assessor_id == user.pk
        and second_scoring_is_open(item.evaluation)
    )


def can_review_assessment(user, evaluation: Evaluation) -> bool:
    """The coordinator of the evaluation's university, or a ministry admin."""
    return can_coordinate(user, evaluation.university_id)


def review_is_open(evaluation: Evaluation) -> bool:
    """Whether there is an assessment to review: marked complete, or later."""
    return evaluation.status in Evaluation.REVIEWABLE


def assignment_is_open(evaluation: Evaluation) -> bool:
    """Whether assessors may still be assigned or removed (scoring not finished)."""
    return evaluation.status in Evaluation.ASSIGNABLE


def release_is_open(evaluation: Evaluation) -> bool:
    """Whether the result may be released: approved by the coordinator, not yet released,
    and reviewed by the ministry where it needs the review (`review_scope.needs_review`:
    in full, or only when sampled)."""
    if evaluation.status != Evaluation.Status.APPROVED:
        return False
    if not needs_review(evaluation):
        return True
    return getattr(evaluation, "review", None) is not None


def scoring_is_open(evaluation: Evaluation) -> bool:
    """Whether the assessor scores now (submitted, or under assessment, inside the
    document stage's window)."""
    return evaluation.status in Evaluation.SCORABLE and is_stage_open(
        evaluation.period, "document", timezone.now()
    )


def can_view_result(user, evaluation: Evaluation) -> bool:
    """Institution staff once the result is released; reviewers and admins always."""
    if is_institution_staff_of(user, evaluation):
        return evaluation.status == Evaluation.Status.RELEASED
    return can_review_assessment(user, evaluation)


# --- Documents ------------------------------------------------------------------------------


def can_view_receipt(user, evaluation: Evaluation) -> bool:
    """Submission receipts: the institution's staff, its assessors and ministry admins."""
    return (
        is_institution_staff(user) or is_assessor(user) or is_admin(user)
    ) and can_view_evaluation(user, evaluation)


def can_view_institution_report(user, evaluation: Evaluation) -> bool:
    """The institution report: its staff once released; its assessors, its university's
    coordinator and ministry admins always (the document exists only after release)."""
    if is_institution_staff_of(user, evaluation):
        return evaluation.status == Evaluation.Status.RELEASED
    return (is_assessor(user) or is_coordinator(user) or is_admin(user)) and can_view_evaluation(
        user, evaluation
    )


def can_update_follow_up(user, follow_up: FollowUp) -> bool:
    """The institution's own staff report progress on its follow-up items."""
    return is_institution_staff(user) and user.institution_id == follow_up.institution_id


def can_assign_follow_up(user, follow_up: FollowUp) -> bool:
    """The institution's supervisor (penanggung jawab) decides who follows up what."""
    return is_supervisor(user) and user.institution_id == follow_up.institution_id


def can_ministry_review(user, evaluation: Evaluation) -> bool:
    """The ministry review team, on an evaluation the coordinator approved (or later)."""
    return is_ministry_reviewer(user) and evaluation.status in (
        Evaluation.Status.APPROVED,
        Evaluation.Status.RELEASED,
    )


# --- Provisional result and clarification window -------------------------------------------

# Statuses with a document assessment to show as the provisional result.
PROVISIONAL_STATUSES = frozenset(
    {
        Evaluation.Status.UNDER_ASSESSMENT,
        Evaluation.Status.ASSESSED,
        Evaluation.Status.APPROVED,
        Evaluation.Status.RELEASED,
    }
)


def provisional_is_out(evaluation: Evaluation, now) -> bool:
    """Whether the institution sees its provisional result: the document stage has closed
    in a period with a clarification window, and the assessment has started."""
    state = stage_state(evaluation.period, "clarification", now)
    return state in (STAGE_OPEN, STAGE_CLOSED) and evaluation.status in PROVISIONAL_STATUSES


def can_view_provisional(user, evaluation: Evaluation) -> bool:
    """The institution's staff once it is out; its assessors, its university's coordinator
    and ministry admins always (the scope already checked who they are)."""
    if is_institution_staff_of(user, evaluation):
        return provisional_is_out(evaluation, timezone.now())
    return is_assessor(user) or can_review_assessment(user, evaluation)


# Capability checks by name, for get_evaluation_for(need=...): need -> (user, evaluation).
CAPABILITIES: dict[str, object] = {
    "view": lambda user, evaluation: True,  # visibility was already checked by the scope
    "selfeval": is_institution_staff_of,  # the institution's own pages, read or write
    "edit": _can_edit_now,
    "submit": can_submit,
    "notify_supervisor": can_notify_supervisor,
    "return": can_return_evaluation,
    "score": can_score,
    "review": can_review_assessment,
    "ministry_review": can_ministry_review,
    "result": can_view_result,
    "provisional": can_view_provisional,
    "receipt": can_view_receipt,
    "institution_report": can_view_institution_report,
}


# --- Access helpers for views ---------------------------------------------------------------


def get_evaluation_for(
    request, pk: int, *, need: str = "view", queryset=None, lock: bool = False
) -> Evaluation:
    """Load an evaluation the user may see, then check the capability `need`.

    Raises Http404 when outside the user's scope and PermissionDenied when the
    capability is missing. `lock` takes the evaluation's row lock in the same query
    (inside the caller's transaction): the write path then needs no second lookup;
    a service told `locked=True` uses the row as loaded here.
    """
    if queryset is None:
        # The common, hot path (every evaluation page, every autosave): the visibility
        # filter itself, compiled once per process for each kind of scope.
        kind, key = visibility_scope(request.user)
        if kind in KEYED and key is None:
            raise Http404
        evaluation = _SCOPED_LOOKUPS[kind, lock].first(pk=_int_or_404(pk), key=key)
        if evaluation is None:
            raise Http404
    else:
        visible = evaluations_visible_to(request.user)
        evaluation = get_object_or_404(
            _with_related(queryset.filter(pk__in=visible.values("pk")), lock=lock), pk=pk
        )
    require(CAPABILITIES[need](request.user, evaluation))
    if not lock and getattr(request.user, "institution_id", None) == evaluation.institution_id:
        # The page's header names the user's institution: the row just loaded, not a
        # query more on every page of the institution's own evaluation.
        request.user.institution = evaluation.institution
    return evaluation


def _with_related(qs, *, lock: bool):
    if lock:
        # The write path: only the evaluation's row is locked, and the institution is
        # not joined (a write needs its id alone; one join less to plan on every save).
        return qs.select_related("period__framework").select_for_update(of=("self",))
    return qs.select_related("institution", "period__framework")


def _scoped_lookup(kind: str, lock: bool) -> PreparedQuery:
    if kind in KEYED:
        return PreparedQuery(
            lambda pk, key: _with_related(visible_in_scope(kind, key), lock=lock).filter(pk=pk),
            "pk",
            "key",
        )
    return PreparedQuery(
        lambda pk, key=None: _with_related(visible_in_scope(kind, None), lock=lock).filter(pk=pk),
        "pk",
    )


# (kind of scope, lock) -> the evaluation lookup of `get_evaluation_for`.
_SCOPED_LOOKUPS = {
    (kind, lock): _scoped_lookup(kind, lock) for kind in SCOPES for lock in (False, True)
}


def _int_or_404(value) -> int:
    """A URL's id (the URL patterns take <int:...>; a bigint's range as the column)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    return number


def get_follow_up_for(request, pk: int, *, need: str = "view") -> FollowUp:
    """A follow-up item of the user's own institution (404 for any other, and for roles
    outside institutions); `need` "update" or "assign" adds that capability (403)."""
    user = request.user
    if not is_institution_staff(user):
        raise PermissionDenied
    follow_up = get_object_or_404(
        FollowUp.objects.select_related("indicator", "owner", "evaluation__period"),
        pk=pk,
        institution_id=user.institution_id,
    )
    check = can_assign_follow_up if need == "assign" else can_update_follow_up
    require(check(user, follow_up))
    return follow_up


def get_second_assessment_for(request, pk: int) -> CalibrationItem:
    """A sampled evaluation the user scores as second assessor: 403 for other roles, 404
    for an item given to someone else (another assessor's item reveals nothing)."""
    user = request.user
    require(is_assessor(user))
    return get_object_or_404(
        CalibrationItem.objects.select_related(
            "evaluation__institution", "evaluation__period__framework"
        ),
        pk=pk,
        second_assessor=user,
    )


def get_consensus_item_for(request, pk: int) -> CalibrationItem:
    """A sampled evaluation whose disagreements the user may decide: the coordinator of
    its assessing university or an admin (403 for other roles, 404 outside the scope)."""
    user = request.user
    require(is_coordinator(user) or is_admin(user))
    item = get_object_or_404(
        CalibrationItem.objects.select_related(
            "evaluation__institution", "evaluation__period__framework"
        ),
        pk=pk,
        evaluation__in=evaluations_visible_to(user),
    )
    require(can_coordinate(user, item.evaluation.university_id))
    return item


def get_period_for(request, pk: int) -> EvaluationPeriod:
    """A period for the ministry admin's screens: 403 for other roles, 404 for an unknown pk.

    Periods are not secret (every role sees their names), so the role is checked first:
    a non-admin gets 403 whether or not the pk exists.
    """
    require_admin(request.user)
    return get_object_or_404(EvaluationPeriod.objects.select_related("framework"), pk=pk)


def get_report_for(request, pk: int) -> Report:
    """A document the user may have: 404 outside their scope (`reports_visible_to`), 403
    when the kind is not theirs (a coordinator and a receipt)."""
    from evaluations.selectors.reports import reports_visible_to

    report = get_object_or_404(reports_visible_to(request.user), pk=pk)
    user = request.user
    if report.kind == Report.Kind.RECEIPT:
        allowed = can_view_receipt(user, report.evaluation)
    elif report.kind == Report.Kind.INSTITUTION:
        allowed = can_view_institution_report(user, report.evaluation)
    elif report.kind == Report.Kind.MINUTES:
        # The record of an interview or visit: everyone who sees the evaluation.
        allowed = True
    else:
        allowed = can_manage_period(user)
    require(allowed)
    return report


# --- People: who invites, resends and deactivates whom -----------------------------------


def invitable_roles(user) -> tuple[str, ...]:
    """The roles a user may give to the people they invite (empty: may not invite).

    A ministry admin invites every role but admin; a supervisor the operators of the own
    institution; a coordinator the assessors of the own university.
    """
    if is_admin(user):
        return (Role.OPERATOR, Role.SUPERVISOR, Role.ASSESSOR, Role.COORDINATOR)
    if is_supervisor(user):
        return (Role.OPERATOR,)
    if is_coordinator(user):
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
    if is_supervisor(user):
        return person.institution_id == user.institution_id
    if is_coordinator(user):
        return person.university_id == user.university_id
    return True
