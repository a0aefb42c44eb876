"""Document evaluation after assignment: scoring by the assessor, clarification
requests, completion, review by the coordinator, and the release of results. The
assessors' texts beside the levels are in `assessment_texts`.

Single-row writes lock the evaluation row; release locks the affected rows in
primary-key order. Every change is audited in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import deadlines, review_scope, text_limits
from evaluations.models import (
    Answer,
    AssessorAssignment,
    AuditEvent,
    Evaluation,
    EvaluationPeriod,
    Indicator,
    Phase,
    Reopening,
)
from evaluations.notifications import queue_email
from evaluations.permissions import can_coordinate, require, require_admin
from evaluations.selectors.assessment import compute_results, missing_entries
from evaluations.selectors.people import staff_emails_by_institution
from evaluations.services.core import TRANSITION_NOT_ALLOWED, _transition, record_event
from evaluations.services.followup import create_follow_ups
from institutions.models import Role, User

# --- messages (tests import these) ------------------------------------------------

NOT_SCORABLE = _("This evaluation is not open for scoring (status: %(status)s).")
LEVEL_REQUIRED = _("Choose a validated level.")
LEVEL_ZERO_NOT_ALLOWED = _("A validated level of 0 is not allowed in this framework.")
ENTRY_OUT_OF_RANGE = _("This indicator has no entry %(entry)s.")
EDIT_CONFLICT = _(
    "Someone else saved this in the meantime. Their version is shown; "
    "re-apply your change if needed."
)
INCOMPLETE = _(
    "%(count)s indicator entries still need a validated level and an explanation before the "
    "assessment can be completed."
)
CLARIFICATION_CLOSED = _(
    "The document-evaluation deadline has passed: clarification can no longer be requested."
)
CLARIFICATION_NEEDS_INDICATORS = _("Choose at least one indicator to clarify.")
COMMENT_REQUIRED = _("Say what needs to change before sending the assessment back.")
NOTHING_TO_RELEASE = _("No approved evaluation to release.")
NOTHING_REVIEWED_TO_RELEASE = _(
    "No approved evaluation whose ministry review is complete: this period releases "
    "results only after the review."
)

STAGE_NOT_HELD = _("This period has no %(stage)s stage.")
STAGE_NOT_YET = _("The %(stage)s stage opens at %(opens)s WIB.")
STAGE_CLOSED = _("The %(stage)s stage closed at %(closes)s WIB: nothing more can be recorded.")
NOT_STAGE_SCORABLE = _(
    "This evaluation is not at the %(stage)s stage (status: %(status)s): "
    "the document assessment comes first, and nothing changes after approval."
)
NOT_AN_ASSESSOR_STAGE = _("Levels are recorded at the document, interview or visit stage.")

SCORABLE = Evaluation.SCORABLE
# The interview and the visit follow the document assessment (started, or marked
# complete) and end with the coordinator's approval.
STAGE_SCORABLE = frozenset({Evaluation.Status.UNDER_ASSESSMENT, Evaluation.Status.ASSESSED})
_STAGE_MESSAGES = {
    deadlines.STAGE_NOT_HELD: STAGE_NOT_HELD,
    deadlines.STAGE_NOT_YET: STAGE_NOT_YET,
    deadlines.STAGE_CLOSED: STAGE_CLOSED,
}


# ---------------------------------------------------------------------------
# Scoring (assessor)
# ---------------------------------------------------------------------------


def _lock_for_assessor(evaluation, by) -> Evaluation:
    evaluation = (
        Evaluation.objects.select_for_update()
        .select_related("period__framework", "institution")
        .get(pk=evaluation.pk)
    )
    if not AssessorAssignment.objects.filter(evaluation=evaluation, assessor=by).exists():
        raise PermissionDenied
    return evaluation


def require_stage_open(period, phase: str, now=None) -> None:
    """Refuse an assessor write outside the stage's window (the rule is
    `deadlines.stage_state`); the message names the stage and the window's end."""
    from evaluations.wib import format_wib

    now = now or timezone.now()
    state = deadlines.stage_state(period, phase, now)
    if state == deadlines.STAGE_OPEN:
        return
    opens, closes = period.stage_window(phase)
    raise ValidationError(
        _STAGE_MESSAGES[state],
        params={
            "stage": Phase(phase).label.lower(),
            "opens": format_wib(opens, "seconds", zone=False),
            "closes": format_wib(closes, "seconds", zone=False),
        },
        code=f"stage_{state}",
    )


def _require_scorable(evaluation, phase: str = Phase.DOCUMENT, now=None) -> None:
    if phase == Phase.DOCUMENT:
        if evaluation.status not in SCORABLE:
            raise ValidationError(
                NOT_SCORABLE, params={"status": evaluation.get_status_display()}, code="status"
            )
    elif evaluation.status not in STAGE_SCORABLE:
        raise ValidationError(
            NOT_STAGE_SCORABLE,
            params={"stage": Phase(phase).label.lower(), "status": evaluation.get_status_display()},
            code="status",
        )
    require_stage_open(evaluation.period, phase, now)


def _start_if_submitted(evaluation, by) -> None:
    if evaluation.status == Evaluation.Status.SUBMITTED:
        _transition(
            evaluation=evaluation,
            to=Evaluation.Status.UNDER_ASSESSMENT,
            by=by,
            action=AuditEvent.Action.ASSESSMENT_STARTED,
        )


def three_parts(*, facts: str, analysis: str, justification: str) -> dict[str, str]:
    """The explanation of a level in its three parts, trimmed and within the length limit."""
    texts = {
        "facts": (facts or "").strip(),
        "analysis": (analysis or "").strip(),
        "justification": (justification or "").strip(),
    }
    for name, label in (
        ("facts", _("Facts")),
        ("analysis", _("Analysis")),
        ("justification", _("Justification")),
    ):
        text_limits.check(texts[name], text_limits.EXPLANATION, label)
    return texts


def _check_version(stored, version: int | None) -> None:
    """Refuse a save made from a stale page: `version` must be the stored row's version,
    or 0/None when there is no row yet."""
    if stored is not None and version is not None and version != stored.version:
        raise ValidationError(EDIT_CONFLICT, code="conflict")
    if stored is None and version:
        raise ValidationError(EDIT_CONFLICT, code="conflict")


def _check_validated_level(framework, indicator: Indicator, entry: int, level) -> None:
    """The indicator belongs to the evaluation's framework, the entry exists, and a level
    is chosen (0 only where the framework allows it)."""
    if indicator.framework_id != framework.pk:
        raise PermissionDenied
    if not 1 <= entry <= indicator.max_entries:
        raise ValidationError(ENTRY_OUT_OF_RANGE, params={"entry": entry}, code="entry")
    if level is None:
        raise ValidationError(LEVEL_REQUIRED, code="level")
    if level == 0 and not framework.allow_zero_validated:
        raise ValidationError(LEVEL_ZERO_NOT_ALLOWED, code="level_zero")


def _stage_answer(evaluation, indicator: Indicator, entry: int, version, phase) -> Answer:
    """The entry's answer at this stage to change, or a new unsaved one."""
    answer = Answer.objects.filter(
        evaluation=evaluation, indicator=indicator, entry=entry, phase=phase
    ).first()
    _check_version(answer, version)
    if answer is None:
        answer = Answer(
            evaluation=evaluation, indicator=indicator, entry=entry, phase=phase, version=0
        )
    return answer


def _apply_changes(row, values: dict) -> dict:
    """Set the values that differ on `row`; returns {field: [old, new]} for the audit."""
    changes = {}
    for name, value in values.items():
        if getattr(row, name) != value:
            changes[name] = [getattr(row, name), value]
            setattr(row, name, value)
    return changes


def _refresh_validated_count(evaluation) -> None:
    """Count indicators (not entries) with a validated level, so that the figure compares
    with the indicator count; and note the activity."""
    evaluation.validated_count = (
        Answer.objects.filter(evaluation=evaluation, phase=Phase.DOCUMENT, level__isnull=False)
        .values("indicator_id")
        .distinct()
        .count()
    )
    evaluation.last_activity_at = timezone.now()
    evaluation.save(update_fields=["validated_count", "last_activity_at", "updated_at"])


@transaction.atomic
def save_validated_answer(
    *,
    evaluation: Evaluation,
    indicator: Indicator,
    by,
    level: int | None,
    note: str = "",
    recommendation: str = "",
    version: int | None = None,
    entry: int = 1,
    phase: str = Phase.DOCUMENT,
    facts: str = "",
    analysis: str = "",
    justification: str = "",
    now=None,
) -> Answer:
    """Save the assessor's validated level, explanation and recommendation for one entry
    at one stage (`phase`: document, interview or visit).

    Preconditions: `by` is assigned to the evaluation (else PermissionDenied); the stage's
    window is open (`require_stage_open`); the status fits the stage (document: submitted
    or under assessment; interview and visit: under assessment or assessed); the level is
    set, and 0 only if the framework allows it; `version` equals the stored version
    (0/None for a new answer), else EDIT_CONFLICT (code "conflict"). The first save moves
    a submitted evaluation to under assessment. An entry not saved at a stage keeps the
    previous stage's result (`scoring.stage_answers`). Side effects: validated_count
    refreshed; audit event with the changed fields and the stage.
    """
    if phase not in deadlines.ASSESSOR_STAGES:
        raise ValidationError(NOT_AN_ASSESSOR_STAGE, code="phase")
    evaluation = _lock_for_assessor(evaluation, by)
    _require_scorable(evaluation, phase, now)
    _check_validated_level(evaluation.period.framework, indicator, entry, level)
    note, recommendation = (note or "").strip(), (recommendation or "").strip()
    text_limits.check(note, text_limits.EXPLANATION, _("Explanation"))
    text_limits.check(recommendation, text_limits.RECOMMENDATION, _("Recommendation"))
    texts = {
        "note": note,
        "recommendation": recommendation,
        **three_parts(facts=facts, analysis=analysis, justification=justification),
    }
    answer = _stage_answer(evaluation, indicator, entry, version, phase)
    changes = _apply_changes(answer, {"level": level, **texts})
    if not changes and answer.pk:
        return answer
    _start_if_submitted(evaluation, by)
    answer.version += 1
    answer.updated_by = by
    answer.full_clean(validate_unique=False, validate_constraints=False)
    answer.save()
    _refresh_validated_count(evaluation)
    record_event(
        action=AuditEvent.Action.ASSESSMENT_ANSWER_SAVED,
        actor=by,
        evaluation=evaluation,
        indicator=indicator,
        changes=text_limits.audit_changes({**changes, "entry": entry, "phase": phase}),
    )
    return answer


def request_clarification(*, evaluation: Evaluation, indicators, reason: str, by, now=None):
    """Reopen named indicators to the institution (before the document deadline).

    Delegates to `services.reopening.reopen_evaluation` with kind
    CLARIFICATION; the answer is due at the document-evaluation deadline.
    Raises CLARIFICATION_CLOSED / CLARIFICATION_NEEDS_INDICATORS, PermissionDenied.
    """
    from evaluations.services.reopening import reopen_evaluation

    now = now or timezone.now()
    if not AssessorAssignment.objects.filter(evaluation=evaluation, assessor=by).exists():
        raise PermissionDenied
    deadline = evaluation.period.document_deadline
    if not deadlines.is_stage_open(evaluation.period, Phase.DOCUMENT, now):
        raise ValidationError(CLARIFICATION_CLOSED, code="deadline")
    indicators = list(indicators)
    if not indicators:
        raise ValidationError(CLARIFICATION_NEEDS_INDICATORS, code="indicators")
    return reopen_evaluation(
        evaluation=evaluation,
        by=by,
        kind=Reopening.Kind.CLARIFICATION,
        reason=reason,
        whole=False,
        indicators=indicators,
        due_at=deadline,
    )


@transaction.atomic
def complete_assessment(*, evaluation: Evaluation, by) -> Evaluation:
    """The assessor marks the scoring complete: under assessment -> assessed.

    Preconditions (checked on the server): assigned assessor; every required entry has a
    validated level and an explanation (INCOMPLETE). Idempotent callers check the status
    first. Side effects: assessed_at; audit event; email to the coordinators.
    """
    evaluation = _lock_for_assessor(evaluation, by)
    _require_scorable(evaluation)
    missing = missing_entries(evaluation)
    if missing:
        raise ValidationError(INCOMPLETE, params={"count": len(missing)}, code="incomplete")
    _start_if_submitted(evaluation, by)
    evaluation.assessed_at = timezone.now()
    _transition(
        evaluation=evaluation,
        to=Evaluation.Status.ASSESSED,
        by=by,
        action=AuditEvent.Action.ASSESSMENT_COMPLETED,
    )
    coordinators = User.objects.filter(
        role=Role.COORDINATOR, university_id=evaluation.university_id, is_active=True
    ).values_list("email", flat=True)
    queue_email(
        name="assessment_completed",
        to=list(coordinators),
        context={"evaluation": evaluation, "assessor": by},
    )
    return evaluation


# ---------------------------------------------------------------------------
# Review and results (coordinator, admin)
# ---------------------------------------------------------------------------


def _lock_for_review(evaluation, by) -> Evaluation:
    evaluation = (
        Evaluation.objects.select_for_update()
        .select_related("period__framework", "institution")
        .get(pk=evaluation.pk)
    )
    require(can_coordinate(by, evaluation.university_id))
    return evaluation


@transaction.atomic
def approve_assessment(*, evaluation: Evaluation, by, spec=None) -> Evaluation:
    """The coordinator approves an assessed evaluation and its result is computed.

    assessed -> approved; final_index/final_predicate from the final levels (latest
    phase), self_index/self_predicate from the self levels if not yet stored.
    Raises PermissionDenied (not the university's coordinator), ValidationError
    (transition). Side effects: audit event with the indices.
    """
    evaluation = _lock_for_review(evaluation, by)
    if not evaluation.can_transition_to(Evaluation.Status.APPROVED):
        raise ValidationError(
            TRANSITION_NOT_ALLOWED,
            params={
                "from": evaluation.get_status_display(),
                "to": Evaluation.Status.APPROVED.label,
            },
            code="transition",
        )
    self_result, final_result = compute_results(evaluation, spec)
    evaluation.final_index = final_result.index
    evaluation.final_predicate = final_result.predicate
    if evaluation.self_index is None:
        evaluation.self_index = self_result.index
        evaluation.self_predicate = self_result.predicate
    evaluation.approved_at = timezone.now()
    evaluation.approved_by = by
    _transition(
        evaluation=evaluation,
        to=Evaluation.Status.APPROVED,
        by=by,
        action=AuditEvent.Action.ASSESSMENT_APPROVED,
        note=f"{final_result.index} {final_result.predicate}",
    )
    return evaluation


@transaction.atomic
def send_back_assessment(*, evaluation: Evaluation, by, comment: str) -> Evaluation:
    """The coordinator sends an assessed (or approved, unreleased) evaluation back.

    assessed/approved -> under assessment with a required comment; clears the computed
    result. Side effects: audit event with the comment; email to the assessors.
    """
    if not (comment or "").strip():
        raise ValidationError(COMMENT_REQUIRED, code="comment")
    evaluation = _lock_for_review(evaluation, by)
    evaluation.final_index = None
    evaluation.final_predicate = ""
    evaluation.approved_at = None
    evaluation.approved_by = None
    _transition(
        evaluation=evaluation,
        to=Evaluation.Status.UNDER_ASSESSMENT,
        by=by,
        action=AuditEvent.Action.ASSESSMENT_SENT_BACK,
        note=comment.strip(),
    )
    assessors = User.objects.filter(assessor_assignments__evaluation=evaluation).values_list(
        "email", flat=True
    )
    queue_email(
        name="assessment_sent_back",
        to=list(assessors),
        context={"evaluation": evaluation, "comment": comment.strip(), "by": by},
    )
    return evaluation


@transaction.atomic
def release_results(
    *, period: EvaluationPeriod, by, evaluation_ids=None, notify: bool = True, now=None
) -> int:
    """Release approved results to the institutions: all of the period, or the chosen ones.

    approved -> released with released_at; where the period holds a ministry review, only
    the evaluations whose review is complete or not needed (`review_scope`: in full, or
    only the sampled ones). With all
    (evaluation_ids None) the period's results_released_at is set too. Evaluations not
    approved are skipped. Side effects: audit event per evaluation; one email per
    institution (its staff) after commit. Raises NOTHING_TO_RELEASE when nothing was
    approved, NOTHING_REVIEWED_TO_RELEASE when nothing approved was reviewed.
    """
    from evaluations.services.review import review_required

    require_admin(by)
    now = now or timezone.now()
    period = EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
    qs = Evaluation.objects.select_for_update().filter(
        period=period, status=Evaluation.Status.APPROVED
    )
    if evaluation_ids is not None:
        qs = qs.filter(pk__in=list(evaluation_ids))
    reviewed_only = review_required(period)
    if reviewed_only:
        # The rule may join the review on the nullable side (by sample: "not sampled, or
        # reviewed"), which a row lock refuses: choose the rows first, then lock them.
        releasable = Evaluation.objects.filter(
            period=period, status=Evaluation.Status.APPROVED
        ).filter(review_scope.releasable_q(period))
        qs = qs.filter(pk__in=list(releasable.values_list("pk", flat=True)))
    evaluations = list(qs.select_related("institution").order_by("pk"))
    if not evaluations:
        if reviewed_only:
            raise ValidationError(NOTHING_REVIEWED_TO_RELEASE, code="not_reviewed")
        raise ValidationError(NOTHING_TO_RELEASE, code="nothing")
    events = []
    for ev in evaluations:
        if not ev.can_transition_to(Evaluation.Status.RELEASED):  # pragma: no cover - guarded
            continue
        events.append(
            AuditEvent(
                at=now,
                actor=by,
                action=AuditEvent.Action.RESULTS_RELEASED,
                evaluation=ev,
                period_id=ev.period_id,
                institution_id=ev.institution_id,
                from_status=ev.status,
                to_status=Evaluation.Status.RELEASED,
            )
        )
        ev.status = Evaluation.Status.RELEASED
        ev.released_at = now
    # One bulk write instead of 623 _transition calls; the guard above is the same check.
    Evaluation.objects.bulk_update(evaluations, ["status", "released_at"], batch_size=500)
    AuditEvent.objects.bulk_create(events, batch_size=500)
    # Each released recommendation becomes a follow-up item of the institution.
    create_follow_ups(evaluations=evaluations)
    if evaluation_ids is None:
        period.results_released_at = now
        period.save(update_fields=["results_released_at"])
    if notify:
        staff = staff_emails_by_institution(ev.institution_id for ev in evaluations)
        for ev in evaluations:
            queue_email(
                name="results_released",
                to=staff.get(ev.institution_id, []),
                context={"evaluation": ev, "institution": ev.institution, "period": period},
            )
    return len(evaluations)
