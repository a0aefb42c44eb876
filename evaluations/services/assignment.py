"""Assignment of evaluations to universities (ministry admin) and to assessors
(university coordinator): by hand, automatically, and undone by run. The CSV upload of
universities lives in `services.assignment_csv` and writes through the batch here.

Single-row writes lock the evaluation; batch writes lock the affected evaluation rows in
primary-key order, so two admins running batches at once cannot interleave. Every change
is audited; rows written by one batch carry the same `changes["batch"]` id so that the
batch can be undone as a whole.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.models import (
    AssessorAssignment,
    AuditEvent,
    ConflictOfInterest,
    Evaluation,
    EvaluationPeriod,
)
from evaluations.notifications import queue_email
from evaluations.permissions import can_coordinate, is_assessor, require, require_admin
from evaluations.services.core import record_event
from institutions.models import Role, University, User

# --- messages (tests import these) ------------------------------------------------

UNIVERSITY_CONFLICT = _("%(university)s has a declared conflict of interest with %(institution)s.")
ASSESSOR_CONFLICT = _("%(assessor)s has a declared conflict of interest with %(institution)s.")
ASSESSOR_OTHER_UNIVERSITY = _("This assessor does not belong to the evaluation's university.")
NO_UNIVERSITY = _("Assign the evaluation to a university first.")
ASSIGNMENT_LOCKED = _(
    "The assessment of this evaluation is finished; its assignment can no longer change."
)
UNIVERSITY_INACTIVE = _("This university does not take part in the assessment.")
NOTHING_TO_UNDO = _("There is no assignment run to undo.")
REPLACEMENT_REASON_REQUIRED = _(
    "Scoring has started: the same assessors stay with an institution through every "
    "stage, so say why this assessor is removed."
)

ASSIGNABLE = Evaluation.ASSIGNABLE

ACTION_UNIVERSITY = AuditEvent.Action.UNIVERSITY_ASSIGNED
ACTION_ASSESSOR = AuditEvent.Action.ASSESSOR_ASSIGNED
ACTION_ASSESSOR_REMOVED = AuditEvent.Action.ASSESSOR_UNASSIGNED
ACTION_UNDO = AuditEvent.Action.BATCH_UNDONE


def _event(*, action, actor, evaluation, changes=None, note="", at=None) -> AuditEvent:
    """An unsaved audit row for bulk_create (same fields as `record_event`)."""
    return AuditEvent(
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        evaluation=evaluation,
        period_id=evaluation.period_id,
        institution_id=evaluation.institution_id,
        changes=changes or {},
        note=note,
    )


def _university_conflicts(institution_ids) -> set[tuple[int, int]]:
    return set(
        ConflictOfInterest.objects.filter(
            institution_id__in=institution_ids, university__isnull=False
        ).values_list("institution_id", "university_id")
    )


def _assessor_conflicts(institution_ids) -> set[tuple[int, int]]:
    return set(
        ConflictOfInterest.objects.filter(
            institution_id__in=institution_ids, assessor__isnull=False
        ).values_list("institution_id", "assessor_id")
    )


# ---------------------------------------------------------------------------
# Institutions -> universities (ministry admin)
# ---------------------------------------------------------------------------


@dataclass
class AssignmentRun:
    """What one batch did: the batch id, how many it changed, what it could not place."""

    batch: str
    changed: int = 0
    per_target: dict = field(default_factory=dict)  # university/assessor id -> count added
    left_out: list = field(default_factory=list)  # evaluations it could not place
    seconds: float = 0.0


@transaction.atomic
def assign_university(*, evaluation: Evaluation, university: University | None, by) -> Evaluation:
    """Assign one evaluation to a university (or unassign with `university=None`).

    Preconditions: `by` is a ministry admin; the assessment is not finished; no declared
    conflict between the university and the institution. Changing the university removes
    the assessors of the previous one. Side effect: one audit event.
    Raises PermissionDenied, ValidationError (UNIVERSITY_CONFLICT, ASSIGNMENT_LOCKED).
    """
    require_admin(by)
    evaluation = (
        Evaluation.objects.select_for_update().select_related("institution").get(pk=evaluation.pk)
    )
    new_id = university.pk if university else None
    if evaluation.university_id == new_id:
        return evaluation
    if evaluation.status not in ASSIGNABLE:
        raise ValidationError(ASSIGNMENT_LOCKED, code="locked")
    if university is not None:
        if not university.is_active:
            raise ValidationError(UNIVERSITY_INACTIVE, code="inactive")
        if (evaluation.institution_id, university.pk) in _university_conflicts(
            [evaluation.institution_id]
        ):
            raise ValidationError(
                UNIVERSITY_CONFLICT,
                params={"university": university, "institution": evaluation.institution},
                code="conflict",
            )
    old_id = evaluation.university_id
    evaluation.university_id = new_id
    evaluation.save(update_fields=["university", "updated_at"])
    AssessorAssignment.objects.filter(evaluation=evaluation).exclude(
        assessor__university_id=new_id
    ).delete()
    record_event(
        action=ACTION_UNIVERSITY,
        actor=by,
        evaluation=evaluation,
        changes={"university": [old_id, new_id]},
    )
    return evaluation


def _apply_university_batch(*, period, targets: dict[int, int | None], by, kind: str, at=None):
    """Set evaluation id -> university id for many evaluations in one batch, audited."""
    batch = uuid.uuid4().hex
    run = AssignmentRun(batch=batch)
    if not targets:
        return run
    evaluations = list(
        Evaluation.objects.select_for_update()
        .filter(period=period, pk__in=list(targets))
        .order_by("pk")
    )
    events, changed = [], []
    for ev in evaluations:
        new_id = targets[ev.pk]
        if ev.university_id == new_id or ev.status not in ASSIGNABLE:
            continue
        events.append(
            _event(
                action=ACTION_UNIVERSITY,
                actor=by,
                evaluation=ev,
                changes={"university": [ev.university_id, new_id], "batch": batch, "kind": kind},
                at=at,
            )
        )
        ev.university_id = new_id
        changed.append(ev)
        run.per_target[new_id] = run.per_target.get(new_id, 0) + 1
    Evaluation.objects.bulk_update(changed, ["university"], batch_size=500)
    # Assessors of a previous university no longer apply.
    if changed:
        AssessorAssignment.objects.filter(evaluation_id__in=[ev.pk for ev in changed]).exclude(
            assessor__university_id=F("evaluation__university_id")
        ).delete()
    AuditEvent.objects.bulk_create(events, batch_size=500)
    run.changed = len(changed)
    return run


def previous_universities(period: EvaluationPeriod) -> dict[int, int]:
    """institution id -> university id in the previous period.

    The previous period is the latest earlier period of the same framework, else the
    latest earlier period of any framework.
    """
    earlier = EvaluationPeriod.objects.filter(opens_at__lt=period.opens_at).exclude(pk=period.pk)
    previous = (
        earlier.filter(framework_id=period.framework_id).order_by("-opens_at").first()
        or earlier.order_by("-opens_at").first()
    )
    if previous is None:
        return {}
    return dict(
        Evaluation.objects.filter(period=previous, university__isnull=False).values_list(
            "institution_id", "university_id"
        )
    )


@transaction.atomic
def auto_assign_universities(
    *, period: EvaluationPeriod, by, avoid_previous: bool = False, at=None
) -> AssignmentRun:
    """Assign every unassigned evaluation of `period` to a university, balanced.

    Greedy, most-constrained first: each evaluation goes to the allowed active university
    with the fewest evaluations of the period so far (ties by code), so counts end within
    one of each other unless conflicts force otherwise. Honours university conflicts and,
    with `avoid_previous`, never picks the institution's university of the previous
    period. Evaluations with no allowed university are left out and reported.
    Side effects: one audit row per change, all with one batch id (undoable).
    """
    require_admin(by)
    started = timezone.now()
    universities = list(University.objects.filter(is_active=True).order_by("code"))
    rows = list(
        Evaluation.objects.filter(period=period, university__isnull=True, status__in=ASSIGNABLE)
        .order_by("institution__code")
        .values_list("pk", "institution_id")
    )
    counts = {u.pk: 0 for u in universities}
    counts.update(
        Evaluation.objects.filter(period=period, university__in=counts)
        .values_list("university_id")
        .annotate(n=Count("id"))
        .values_list("university_id", "n")
    )
    conflicts = _university_conflicts([i for _, i in rows])
    previous = previous_universities(period) if avoid_previous else {}

    def allowed(institution_id):
        return [
            u.pk
            for u in universities
            if (institution_id, u.pk) not in conflicts and previous.get(institution_id) != u.pk
        ]

    options = {pk: allowed(inst) for pk, inst in rows}
    targets: dict[int, int] = {}
    left_out = []
    order = {u.pk: i for i, u in enumerate(universities)}
    for pk, _inst in sorted(rows, key=lambda r: (len(options[r[0]]), r[1])):
        choices = options[pk]
        if not choices:
            left_out.append(pk)
            continue
        best = min(choices, key=lambda uid: (counts[uid], order[uid]))
        counts[best] += 1
        targets[pk] = best
    run = _apply_university_batch(period=period, targets=targets, by=by, kind="auto", at=at)
    run.left_out = left_out
    run.seconds = (timezone.now() - started).total_seconds()
    return run


def last_batch(*, period: EvaluationPeriod, action: str, university_id=None) -> str | None:
    """The id of the latest not yet undone batch of `action` in the period."""
    undone = set(
        AuditEvent.objects.filter(period=period, action=ACTION_UNDO).values_list(
            "changes__batch", flat=True
        )
    )
    qs = AuditEvent.objects.filter(period=period, action=action, changes__kind__in=["auto", "csv"])
    if university_id is not None:
        qs = qs.filter(changes__university=university_id)
    for batch in qs.order_by("-at", "-id").values_list("changes__batch", flat=True)[:2000]:
        if batch not in undone:
            return batch
    return None


@transaction.atomic
def undo_university_batch(*, period: EvaluationPeriod, by, batch: str | None = None) -> int:
    """Undo the latest (or the named) CSV/automatic university batch of the period.

    Each evaluation goes back to its university before the batch, unless it has been
    changed since (then it is left alone). Returns how many were restored.
    Raises ValidationError NOTHING_TO_UNDO.
    """
    require_admin(by)
    batch = batch or last_batch(period=period, action=ACTION_UNIVERSITY)
    if not batch:
        raise ValidationError(NOTHING_TO_UNDO, code="nothing")
    rows = list(
        AuditEvent.objects.filter(period=period, action=ACTION_UNIVERSITY, changes__batch=batch)
    )
    if not rows:
        raise ValidationError(NOTHING_TO_UNDO, code="nothing")
    targets = {}
    expected = {}
    for row in rows:
        old, new = row.changes["university"]
        targets[row.evaluation_id] = old
        expected[row.evaluation_id] = new
    # Only evaluations unchanged since the batch go back.
    still = [
        pk
        for pk, uid in Evaluation.objects.filter(pk__in=list(targets)).values_list(
            "pk", "university_id"
        )
        if uid == expected[pk]
    ]
    run = _apply_university_batch(
        period=period, targets={pk: targets[pk] for pk in still}, by=by, kind="undo"
    )
    record_event(action=ACTION_UNDO, actor=by, period=period, changes={"batch": batch})
    return run.changed


# ---------------------------------------------------------------------------
# Evaluations -> assessors (university coordinator)
# ---------------------------------------------------------------------------


@transaction.atomic
def assign_assessor(*, evaluation: Evaluation, assessor: User, by, notify: bool = True):
    """Assign an assessor of the evaluation's university to it (idempotent).

    Preconditions: `by` coordinates the evaluation's university (or is an admin); the
    assessor belongs to that university and has no declared conflict; the assessment is
    not finished. Side effects: audit event; email to the assessor after commit.
    Returns the assignment, or None when it already existed.
    """
    evaluation = (
        Evaluation.objects.select_for_update().select_related("institution").get(pk=evaluation.pk)
    )
    require(can_coordinate(by, evaluation.university_id))
    if evaluation.university_id is None:
        raise ValidationError(NO_UNIVERSITY, code="no_university")
    if not is_assessor(assessor) or assessor.university_id != evaluation.university_id:
        raise ValidationError(ASSESSOR_OTHER_UNIVERSITY, code="university")
    if evaluation.status not in ASSIGNABLE:
        raise ValidationError(ASSIGNMENT_LOCKED, code="locked")
    if (evaluation.institution_id, assessor.pk) in _assessor_conflicts([evaluation.institution_id]):
        raise ValidationError(
            ASSESSOR_CONFLICT,
            params={"assessor": assessor, "institution": evaluation.institution},
            code="conflict",
        )
    assignment, created = AssessorAssignment.objects.get_or_create(
        evaluation=evaluation, assessor=assessor, defaults={"assigned_by": by}
    )
    if not created:
        return None
    record_event(
        action=ACTION_ASSESSOR,
        actor=by,
        evaluation=evaluation,
        changes={"assessor": [None, assessor.pk], "university": evaluation.university_id},
    )
    if notify:
        _notify_after_commit([assignment.pk])
    return assignment


@transaction.atomic
def unassign_assessor(*, evaluation: Evaluation, assessor: User, by, reason: str = "") -> bool:
    """Remove an assessor from an evaluation. Returns False when there was nothing to remove.

    Once scoring has started (`Evaluation.SCORING_STARTED`) a removal replaces an assessor
    mid-cycle: it needs a reason (REPLACEMENT_REASON_REQUIRED), kept in the audit event.
    """
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    require(can_coordinate(by, evaluation.university_id))
    if evaluation.status not in ASSIGNABLE:
        raise ValidationError(ASSIGNMENT_LOCKED, code="locked")
    reason = (reason or "").strip()
    started = evaluation.status in Evaluation.SCORING_STARTED
    if started and not reason and _is_assigned(evaluation, assessor):
        raise ValidationError(REPLACEMENT_REASON_REQUIRED, code="reason")
    text_limits.check(reason, text_limits.REASON, _("Reason"))
    deleted, _counts = AssessorAssignment.objects.filter(
        evaluation=evaluation, assessor=assessor
    ).delete()
    if deleted:
        record_event(
            action=ACTION_ASSESSOR_REMOVED,
            actor=by,
            evaluation=evaluation,
            changes={
                "assessor": [assessor.pk, None],
                "university": evaluation.university_id,
                "scoring_started": started,
            },
            note=reason,
        )
    return bool(deleted)


def _is_assigned(evaluation, assessor) -> bool:
    return AssessorAssignment.objects.filter(evaluation=evaluation, assessor=assessor).exists()


@transaction.atomic
def auto_assign_assessors(
    *,
    period: EvaluationPeriod,
    university: University,
    by,
    cap: int | None = None,
    notify: bool = True,
    at=None,
) -> AssignmentRun:
    """Give every evaluation of the university in `period` without an assessor one assessor.

    Balanced: each goes to the allowed active assessor with the fewest assignments in the
    period (most-constrained evaluations first), never above `cap` and never to an assessor
    with a declared conflict. Evaluations that cannot be placed are reported in
    `left_out`. Side effects: one audit row per assignment with one batch id; one email
    per assessor after commit (through Celery).
    """
    require(can_coordinate(by, university.pk))
    started = timezone.now()
    batch = uuid.uuid4().hex
    assessors = list(
        User.objects.filter(role=Role.ASSESSOR, university=university, is_active=True).order_by(
            "username"
        )
    )
    evaluations = list(
        Evaluation.objects.select_for_update(of=("self",))
        .filter(period=period, university=university, status__in=ASSIGNABLE)
        .exclude(Exists(AssessorAssignment.objects.filter(evaluation=OuterRef("pk"))))
        .order_by("pk")
    )
    counts = {a.pk: 0 for a in assessors}
    counts.update(
        AssessorAssignment.objects.filter(evaluation__period=period, assessor__in=counts)
        .values_list("assessor_id")
        .annotate(n=Count("id"))
        .values_list("assessor_id", "n")
    )
    conflicts = _assessor_conflicts([ev.institution_id for ev in evaluations])
    order = {a.pk: i for i, a in enumerate(assessors)}
    options = {
        ev.pk: [a.pk for a in assessors if (ev.institution_id, a.pk) not in conflicts]
        for ev in evaluations
    }
    run = AssignmentRun(batch=batch)
    new, events = [], []
    for ev in sorted(evaluations, key=lambda e: (len(options[e.pk]), e.pk)):
        choices = [a for a in options[ev.pk] if cap is None or counts[a] < cap]
        if not choices:
            run.left_out.append(ev.pk)
            continue
        best = min(choices, key=lambda a: (counts[a], order[a]))
        counts[best] += 1
        run.per_target[best] = run.per_target.get(best, 0) + 1
        new.append(AssessorAssignment(evaluation=ev, assessor_id=best, assigned_by=by))
        events.append(
            _event(
                action=ACTION_ASSESSOR,
                actor=by,
                evaluation=ev,
                changes={
                    "assessor": [None, best],
                    "university": university.pk,
                    "batch": batch,
                    "kind": "auto",
                },
                at=at,
            )
        )
    AssessorAssignment.objects.bulk_create(new, batch_size=500)
    AuditEvent.objects.bulk_create(events, batch_size=500)
    run.changed = len(new)
    if notify and new:
        ids = list(
            AssessorAssignment.objects.filter(
                evaluation_id__in=[a.evaluation_id for a in new], notified_at__isnull=True
            ).values_list("pk", flat=True)
        )
        _notify_after_commit(ids)
    run.seconds = (timezone.now() - started).total_seconds()
    return run


@transaction.atomic
def undo_assessor_batch(*, period: EvaluationPeriod, university: University, by) -> int:
    """Remove the assignments made by the university's latest automatic run (if untouched)."""
    require(can_coordinate(by, university.pk))
    batch = last_batch(period=period, action=ACTION_ASSESSOR, university_id=university.pk)
    if not batch:
        raise ValidationError(NOTHING_TO_UNDO, code="nothing")
    rows = AuditEvent.objects.filter(period=period, action=ACTION_ASSESSOR, changes__batch=batch)
    evaluations = {}
    for row in rows.select_related("evaluation"):
        evaluations[(row.evaluation_id, row.changes["assessor"][1])] = row.evaluation
    # Only assignments still in place and still changeable are removed, and only those
    # get an "assessor removed" event: a pair removed by hand since the run, or an
    # evaluation already scored, is left out of the record as it is left alone.
    removable = [
        (pk, (ev_id, assessor_id))
        for pk, ev_id, assessor_id in AssessorAssignment.objects.filter(
            evaluation_id__in={e for e, _ in evaluations}, evaluation__status__in=ASSIGNABLE
        )
        # An evaluation already being scored keeps its assessors: an undo is no reason.
        .exclude(evaluation__status__in=Evaluation.SCORING_STARTED)
        .values_list("pk", "evaluation_id", "assessor_id")
        if (ev_id, assessor_id) in evaluations
    ]
    removed, _ = AssessorAssignment.objects.filter(pk__in=[pk for pk, _ in removable]).delete()
    AuditEvent.objects.bulk_create(
        _event(
            action=ACTION_ASSESSOR_REMOVED,
            actor=by,
            evaluation=evaluations[pair],
            changes={"assessor": [pair[1], None], "university": university.pk},
        )
        for _pk, pair in removable
    )
    record_event(
        action=ACTION_UNDO,
        actor=by,
        period=period,
        changes={"batch": batch, "university": university.pk},
    )
    return removed


def _notify_after_commit(assignment_ids: list[int]) -> None:
    from evaluations.dispatch import enqueue
    from evaluations.tasks.assessment import notify_assignments_task

    if assignment_ids:
        enqueue(notify_assignments_task, assignment_ids=assignment_ids)


def notify_assessor_assignments(*, assignment_ids: list[int]) -> int:
    """Email each assessor once about the given new assignments; returns emails queued.

    Claims the rows with a conditional update (notified_at still empty), so a repeated
    task sends nothing twice.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            AssessorAssignment.objects.select_for_update(skip_locked=True)
            .filter(pk__in=assignment_ids, notified_at__isnull=True)
            .values_list("pk", flat=True)
        )
        AssessorAssignment.objects.filter(pk__in=claimed).update(notified_at=now)
        per_assessor = defaultdict(list)
        for a in AssessorAssignment.objects.filter(pk__in=claimed).select_related(
            "assessor", "evaluation__institution", "evaluation__period"
        ):
            per_assessor[a.assessor].append(a.evaluation)
        for assessor, evaluations in per_assessor.items():
            queue_email(
                name="assessment_assigned",
                to=[assessor.email],
                context={"assessor": assessor, "evaluations": evaluations},
            )
    return len(per_assessor)
