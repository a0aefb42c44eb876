"""Self-evaluation writes: answers, evidence and submission (the return to the
institution is in `reopening`).

Every service locks the evaluation row, re-checks role, status and the
deadline after the lock, writes, appends an AuditEvent and keeps the evaluation's
progress counters (answered_count, evidenced_count, last_activity_at) current.
The deadline rule is in evaluations.deadlines (exact to the second).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import completeness, deadlines, text_limits
from evaluations.models import (
    Answer,
    AuditEvent,
    Evaluation,
    EvaluationPeriod,
    EvidenceFile,
    Indicator,
    Phase,
    Reopening,
)
from evaluations.notifications import queue_email
from evaluations.permissions import (
    can_notify_supervisor,
    can_submit,
    is_institution_staff_of,
    reopened_indicator_ids,
    self_window_open,
)
from evaluations.selectors.people import institution_mail_recipients
from evaluations.selectors.selfeval import (
    active_extension,
    check_submission,
    indicator_answers_counted,
    open_reopening,
    progress_for,
    self_answers_with_evidence,
    self_index,
)
from evaluations.services.core import _transition, atomic_unless_locked, record_event
from evaluations.wib import format_wib
from institutions.models import Role
from spbe_portal import prepared

# --- Messages (tests import these) ---------------------------------------------------------

DEADLINE_PASSED = _(
    "The deadline has passed (%(deadline)s WIB): nothing can be changed any more. "
    "Your saved drafts are kept."
)
NOT_OPEN_YET = _("The evaluation period has not opened yet.")
READ_ONLY_SUBMITTED = _(
    "This evaluation has been submitted and is read-only. It can be changed only if "
    "the ministry returns it."
)
NOT_REOPENED = _(
    "Only the returned indicators can be changed. Indicator %(number)s was not returned."
)
REOPENING_DUE_PASSED = _(
    "The time to answer the return has passed (%(deadline)s WIB): nothing can be changed."
)
EDIT_CONFLICT = _(
    "Someone else saved this indicator after you opened it (version %(theirs)s, yours was "
    "based on version %(mine)s). Nothing was overwritten: compare both versions below."
)
LEVEL_OUT_OF_RANGE = _("The level must be between %(min)s and 5.")
ENTRY_OUT_OF_RANGE = _("This indicator takes at most %(max)s entries.")
SUBMISSION_INCOMPLETE = _(
    "The evaluation cannot be submitted yet: %(count)s item(s) are missing. See the check list."
)
ONLY_SUPERVISOR_SUBMITS = _("Only the institution's supervisor can submit the evaluation.")
NOT_SUBMITTABLE = _("This evaluation cannot be submitted in its current state.")
ONLY_OPERATOR_NOTIFIES = _("Only the institution's operator can tell the supervisor.")
NOTIFY_NOT_WITH_INSTITUTION = _("The evaluation is not being filled in: there is nothing to tell.")
NOTIFY_INCOMPLETE = _("Some items are still missing: complete them before telling the supervisor.")
NOTIFY_NO_SUPERVISOR = _(
    "The institution has no supervisor with an email address. Ask the ministry to add one."
)
NOTIFY_TOO_SOON = _("The supervisor was told at %(at)s. You can send it again after %(again)s.")
# A supervisor is told at most once an hour per evaluation: enough to remind, not to flood.
NOTIFY_INTERVAL = dt.timedelta(hours=1)


class EditConflict(ValidationError):
    """A save based on an outdated version. Carries both versions; nothing was written.

    `mine`: dict of what the user sent (level, note, service_name, base_version).
    `theirs`: the Answer as saved in the database (with its current `version`).
    """

    def __init__(self, mine: dict, theirs: Answer):
        self.mine = mine
        self.theirs = theirs
        super().__init__(
            EDIT_CONFLICT,
            code="conflict",
            params={"mine": mine.get("base_version"), "theirs": theirs.version},
        )


# --- Guards -------------------------------------------------------------------------------


def _lock(evaluation: Evaluation) -> Evaluation:
    """Re-fetch the evaluation row under lock.

    The period, framework and institution are reference rows the workflow does not
    change, loaded by the caller moments earlier in the same request; those copies are
    reused instead of joined again (the save path runs this on every autosave).
    """
    ev = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if Evaluation.period.is_cached(evaluation) and EvaluationPeriod.framework.is_cached(
        evaluation.period
    ):
        ev.period = evaluation.period
    else:
        ev.period = EvaluationPeriod.objects.select_related("framework").get(pk=ev.period_id)
    if Evaluation.institution.is_cached(evaluation):
        ev.institution = evaluation.institution
    return ev


def _wib(moment) -> str:
    """To the second, without the zone name: the messages say "%(deadline)s WIB"."""
    return format_wib(moment, "seconds", zone=False)


def _check_window(ev: Evaluation, by, now, *, indicator: Indicator | None = None):
    """Raise unless `by` may write to `ev` now (and, when returned, to `indicator`).

    Returns the open reopening (or None). PermissionDenied for a user outside the
    institution; ValidationError with a clear message for status and deadline.
    """
    if not is_institution_staff_of(by, ev):
        raise PermissionDenied
    reopening = None
    if ev.status == Evaluation.Status.RETURNED:
        reopening = open_reopening(ev)
    elif ev.status not in Evaluation.SELF_EDITABLE:
        raise ValidationError(READ_ONLY_SUBMITTED, code="read_only")
    if reopening is None and deadlines.is_open_for_writes(ev.period, now):
        # An extension only ever moves the deadline later (evaluations.deadlines), so
        # while the period's own window is open it cannot matter: skip its query on
        # every autosave.
        extension = None
    else:
        extension = active_extension(ev.period, ev.institution_id)
    if now < ev.period.opens_at:
        raise ValidationError(NOT_OPEN_YET, code="not_open")
    if not self_window_open(ev, now, extension, reopening):
        if reopening is not None and reopening.due_at is not None:
            raise ValidationError(
                REOPENING_DUE_PASSED, code="deadline", params={"deadline": _wib(reopening.due_at)}
            )
        raise ValidationError(
            DEADLINE_PASSED,
            code="deadline",
            params={"deadline": _wib(deadlines.closes_at(ev.period, extension))},
        )
    if indicator is not None and reopening is not None:
        allowed = reopened_indicator_ids(reopening)
        if allowed is not None and indicator.pk not in allowed:
            raise ValidationError(
                NOT_REOPENED, code="not_reopened", params={"number": indicator.number}
            )
    return reopening


def _lock_for_entry(evaluation, indicator, entry, by, now, *, locked=False) -> Evaluation:
    """Lock the evaluation (unless the caller holds the lock: `locked`) and check `by`
    may write this indicator entry now."""
    ev = evaluation if locked else _lock(evaluation)
    if indicator.framework_id != ev.period.framework_id:
        raise PermissionDenied
    _check_window(ev, by, now, indicator=indicator)
    if not 1 <= entry <= indicator.max_entries:
        raise ValidationError(
            ENTRY_OUT_OF_RANGE, code="entry", params={"max": indicator.max_entries}
        )
    return ev


def _touch(ev: Evaluation, *, by, now) -> None:
    """First write moves NOT_STARTED -> IN_PROGRESS; refresh the progress counters."""
    _start_if_new(ev, by=by, now=now)
    answered, evidenced = progress_for(ev)
    Evaluation.objects.filter(pk=ev.pk).update(
        answered_count=answered, evidenced_count=evidenced, last_activity_at=now
    )
    ev.answered_count, ev.evidenced_count, ev.last_activity_at = answered, evidenced, now


# How fresh Evaluation.last_activity_at is kept by autosaves (monitoring shows minutes).
ACTIVITY_RESOLUTION = dt.timedelta(seconds=60)


def _recently_active(ev: Evaluation, now) -> bool:
    """Whether the evaluation's "last activity" is fresh enough that a write which changes
    no counter need not move it (one home for ACTIVITY_RESOLUTION)."""
    return ev.last_activity_at is not None and now - ev.last_activity_at < ACTIVITY_RESOLUTION


def _start_if_new(ev: Evaluation, *, by, now) -> None:
    """The first write moves NOT_STARTED -> IN_PROGRESS. The transition saves the whole
    row, so "last activity" is set first and rides on that save (no UPDATE of its own)."""
    if ev.status == Evaluation.Status.NOT_STARTED:
        ev.last_activity_at = now
        _transition(evaluation=ev, to=Evaluation.Status.IN_PROGRESS, by=by, at=now)


def _touch_indicator(ev: Evaluation, *, indicator, before: list, after: list, by, now) -> None:
    """Like _touch, for a write that changed only `indicator`'s self answers.

    `before` and `after` hold that indicator's answers (with n_links) as they were and
    as they are. Their states give the counters' change, applied with one UPDATE instead
    of recounting all indicators: the save path runs this on every autosave. The row
    lock held by the caller serialises writers, so the delta is exact.
    """
    _start_if_new(ev, by=by, now=now)
    framework = ev.period.framework
    old_answered, old_evidenced = completeness.indicator_progress(indicator, before, framework)
    new_answered, new_evidenced = completeness.indicator_progress(indicator, after, framework)
    d_answered = new_answered - old_answered
    d_evidenced = new_evidenced - old_evidenced
    if not d_answered and not d_evidenced and _recently_active(ev, now):
        # Typing autosaves every second or two without changing the indicator's state:
        # "last activity" to the minute is enough for the dashboard, skip the UPDATE.
        return
    # The counters as read with the lock, moved by the delta (prepared: every link and
    # every first answer of an indicator comes here).
    ev.answered_count += d_answered
    ev.evidenced_count += d_evidenced
    ev.last_activity_at = now
    prepared.update(ev, ("answered_count", "evidenced_count", "last_activity_at"))


def _touch_activity(ev: Evaluation, *, by, now) -> None:
    """Like _touch, for a write that changes no answer's state (a file added to the
    library: the counters count linked files): the status and "last activity" only."""
    _start_if_new(ev, by=by, now=now)
    if _recently_active(ev, now):
        return
    Evaluation.objects.filter(pk=ev.pk).update(last_activity_at=now)
    ev.last_activity_at = now


def refresh_progress(*, evaluation: Evaluation) -> Evaluation:
    """Recompute the progress counters (for data loaded outside these services)."""
    answered, evidenced = progress_for(evaluation)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        answered_count=answered, evidenced_count=evidenced
    )
    evaluation.answered_count, evaluation.evidenced_count = answered, evidenced
    return evaluation


# --- Answers ------------------------------------------------------------------------------


@atomic_unless_locked
def save_answer(**kwargs) -> Answer:
    """Save one self-phase answer (see `_save_answer` for the rules).

    `locked=True` (the autosave path): the caller holds the evaluation's row lock in its
    transaction, see `atomic_unless_locked`.
    """
    return _save_answer(**kwargs)


def _save_answer(
    *,
    evaluation: Evaluation,
    indicator: Indicator,
    entry: int = 1,
    by,
    level: int | None,
    note: str,
    service_name: str = "",
    base_version: int,
    now=None,
    locked: bool,
) -> Answer:
    """Save one self-phase answer (a draft is fine: level None, or no justification yet).

    Preconditions: `by` is staff of the evaluation's institution; the evaluation is
    editable now (status, deadline exact to the second, extension; when returned,
    only the reopened indicators). `base_version` is the version the user's form was
    loaded with (0 for a new answer).
    Side effects: the answer's version is bumped; an "answer.saved" AuditEvent with
    {"field": [old, new]}; progress counters; NOT_STARTED -> IN_PROGRESS.
    Raises PermissionDenied, ValidationError (deadline, read-only, range) and
    EditConflict when `base_version` is not the saved version (nothing written).
    An unchanged save writes nothing and returns the answer as it is.
    The returned answer carries `indicator_state`, the indicator's state after the save
    (completeness.indicator_state), computed from the rows this save read anyway.
    """
    now = now or timezone.now()
    ev = _lock_for_entry(evaluation, indicator, entry, by, now, locked=locked)
    level, note, service_name = _clean_answer(ev, indicator, level, note, service_name)
    # All of this indicator's entries in one query: the one to save, and the rest
    # for the progress counters (the indicator's state before and after).
    siblings = indicator_answers_counted(ev.pk, indicator.pk)
    before = [SimpleNamespace(**_state_fields(a)) for a in siblings]
    answer = next((a for a in siblings if a.entry == entry), None)
    new = {"level": level, "note": note, "service_name": service_name}
    _check_base_version(ev, indicator, entry, answer, base_version, new)
    changes = _changes(answer, new)
    framework = ev.period.framework
    if answer is not None and not changes:
        answer.indicator_state = completeness.indicator_state(indicator, before, framework)
        return answer
    answer = _write_answer(ev, indicator, entry, answer, new, by)
    if indicator.max_entries > 1:
        changes = {"entry": entry, **changes}
    record_event(
        action=AuditEvent.Action.ANSWER_SAVED,
        actor=by,
        evaluation=ev,
        indicator=indicator,
        changes=text_limits.audit_changes(changes),
        at=now,
    )
    if answer.pk not in {a.pk for a in siblings}:
        answer.n_links = 0
        siblings.append(answer)
    after = [SimpleNamespace(**_state_fields(a)) for a in siblings]
    _touch_indicator(ev, indicator=indicator, before=before, after=after, by=by, now=now)
    answer.indicator_state = completeness.indicator_state(indicator, after, framework)
    return answer


def _clean_answer(ev, indicator, level, note, service_name) -> tuple:
    """The level in the framework's range, the justification within its limit, the
    service name only for a multi-entry indicator."""
    min_level = ev.period.framework.min_self_level
    if level is not None and not min_level <= level <= 5:
        raise ValidationError(LEVEL_OUT_OF_RANGE, code="level", params={"min": min_level})
    note = text_limits.check((note or "").strip(), text_limits.JUSTIFICATION, _("Justification"))
    service_name = (service_name or "").strip()[:255] if indicator.max_entries > 1 else ""
    return level, note, service_name


def _check_base_version(ev, indicator, entry, answer, base_version: int, new: dict) -> None:
    """EditConflict (nothing written) when the form was loaded from an older version."""
    current_version = answer.version if answer is not None else 0
    if base_version == current_version:
        return
    if answer is None:  # based on a version that no longer exists: cannot happen normally
        answer = Answer(evaluation=ev, indicator=indicator, entry=entry, version=0)
    raise EditConflict({**new, "base_version": base_version}, answer)


def _changes(answer, new: dict) -> dict:
    """{"field": [old, new]} of what the save changes."""
    old = (
        {"level": answer.level, "note": answer.note, "service_name": answer.service_name}
        if answer is not None
        else {"level": None, "note": "", "service_name": ""}
    )
    return {k: [old[k], new[k]] for k in new if old[k] != new[k]}


_SAVED_FIELDS = ("level", "note", "service_name", "version", "updated_by", "updated_at")


def _write_answer(ev, indicator, entry, answer, new: dict, by) -> Answer:
    """Store the new values with the next version number."""
    if answer is None:
        answer = Answer(
            evaluation=ev, indicator=indicator, entry=entry, phase=Phase.SELF, version=0
        )
    answer.level, answer.note, answer.service_name = new["level"], new["note"], new["service_name"]
    answer.version += 1
    answer.updated_by = by
    # Compiled once per process (the busiest write of deadline day); the UPDATE sets
    # only what a save changes (updated_at is auto_now).
    if answer.pk is None:
        prepared.insert(answer)
    else:
        prepared.update(answer, _SAVED_FIELDS)
    return answer


def _state_fields(answer, n_links: int | None = None) -> dict:
    """The fields an indicator's state is derived from (see completeness.indicator_state);
    `n_links` when the answer carries its links rather than their count."""
    return {
        "entry": answer.entry,
        "level": answer.level,
        "note": answer.note,
        "service_name": answer.service_name,
        "n_links": answer.n_links if n_links is None else n_links,
    }


@atomic_unless_locked
def ensure_answer(
    *, evaluation: Evaluation, indicator: Indicator, entry: int, by, now=None, locked=False
) -> Answer:
    """The self answer of one entry, created empty (version 1) when missing, to link files to.

    Same guards as save_answer; no audit event for the empty row (the link records one).
    `locked=True`: the caller holds `evaluation`'s row lock in its transaction.
    """
    now = now or timezone.now()
    ev = _lock_for_entry(evaluation, indicator, entry, by, now, locked=locked)
    # Under the evaluation's lock no other writer can create it meanwhile. The
    # indicator's answers as the save reads them (one compiled query, a few rows).
    siblings = indicator_answers_counted(ev.pk, indicator.pk)
    answer = next((a for a in siblings if a.entry == entry), None)
    if answer is None:
        answer = Answer(
            evaluation=ev, indicator=indicator, entry=entry, phase=Phase.SELF, updated_by=by
        )
        prepared.insert(answer)
    # The rows just locked and checked, for the caller's next step (linking a file
    # locks the evaluation again and reads the indicator): not fetched a second time.
    answer.evaluation, answer.indicator = ev, indicator
    return answer


# --- Submission ---------------------------------------------------------------------------


def submission_content_hash(evaluation: Evaluation, answers=None) -> str:
    """sha256 over the self answers and the evidence sha256s, deterministic.

    Canonical JSON of: every self answer (indicator number, entry, level, service
    name, justification, its linked files' sha256 and page references, sorted) and
    the sorted sha256s of the whole evidence library. `answers`: the evaluation's
    `self_answers_with_evidence` when the caller has read them (the confirmation page
    shows them too).
    """
    if answers is None:
        answers = self_answers_with_evidence(evaluation)
    rows = [
        {
            "indicator": a.indicator.number,
            "entry": a.entry,
            "level": a.level,
            "service_name": a.service_name,
            "note": a.note,
            "evidence": sorted(
                [link.evidence.sha256, link.page_ref] for link in a.evidence_links.all()
            ),
        }
        for a in answers
    ]
    rows.sort(key=lambda d: (d["indicator"], d["entry"]))
    library = sorted(
        EvidenceFile.objects.filter(evaluation=evaluation).values_list("sha256", flat=True)
    )
    payload = json.dumps(
        {"answers": rows, "evidence": library},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@transaction.atomic
def notify_supervisor(*, evaluation: Evaluation, by, now=None) -> int:
    """The operator tells the institution's supervisors that everything is complete.

    Preconditions: `by` is the institution's operator; the evaluation is being filled
    in (not started, in progress or returned); check_submission finds nothing; the
    supervisor was not told in the last hour (NOTIFY_INTERVAL); a supervisor has an
    email address.
    Side effects: an email "supervisor_ready" with a link to the submission check page,
    sent after commit; an audit event SUPERVISOR_NOTIFIED. Returns the number of
    supervisors told.
    Raises PermissionDenied (not the operator), ValidationError (state, incomplete,
    too_soon, no_supervisor).
    """
    now = now or timezone.now()
    ev = _lock(evaluation)
    if not can_notify_supervisor(by, ev):
        raise PermissionDenied(ONLY_OPERATOR_NOTIFIES)
    if not ev.is_with_institution:
        raise ValidationError(NOTIFY_NOT_WITH_INSTITUTION, code="state")
    if check_submission(ev):
        raise ValidationError(NOTIFY_INCOMPLETE, code="incomplete")
    last = (
        AuditEvent.objects.filter(
            evaluation=ev,
            action=AuditEvent.Action.SUPERVISOR_NOTIFIED,
            at__gt=now - NOTIFY_INTERVAL,
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last is not None:
        raise ValidationError(
            NOTIFY_TOO_SOON,
            code="too_soon",
            params={
                "at": format_wib(last, "time"),
                "again": format_wib(last + NOTIFY_INTERVAL, "time"),
            },
        )
    supervisors = list(
        institution_mail_recipients()
        .filter(institution_id=ev.institution_id, role=Role.SUPERVISOR)
        .values_list("email", flat=True)
    )
    if not supervisors:
        raise ValidationError(NOTIFY_NO_SUPERVISOR, code="no_supervisor")
    context = {
        "institution": ev.institution.display_name,
        "period": str(ev.period),
        "operator": by.get_full_name() or by.username,
        "url": reverse("evaluations:submission-check", kwargs={"pk": ev.pk}),
    }
    queue_email(name="supervisor_ready", to=supervisors, context=context)
    record_event(
        action=AuditEvent.Action.SUPERVISOR_NOTIFIED,
        actor=by,
        evaluation=ev,
        changes={"recipients": len(supervisors)},
        at=now,
    )
    return len(supervisors)


@transaction.atomic
def submit_evaluation(*, evaluation: Evaluation, by, now=None) -> Evaluation:
    """Submit the self-evaluation (the supervisor only), atomically and once.

    Preconditions: `by` is the institution's supervisor; status in progress or
    returned; the write window is open (deadline, extension, reopening due date);
    check_submission finds nothing.
    Side effects: submitted_at/by, submission_hash, submission_count, self_index and
    self_predicate stored; status -> SUBMITTED via _transition (audit event); an open
    reopening is closed. A second call on a submitted evaluation (double click)
    returns it unchanged without a second event.
    Raises PermissionDenied (not the supervisor), ValidationError (deadline, state,
    SUBMISSION_INCOMPLETE).
    """
    now = now or timezone.now()
    ev = _lock(evaluation)
    if not can_submit(by, ev):
        raise PermissionDenied(ONLY_SUPERVISOR_SUBMITS)
    if ev.status == Evaluation.Status.SUBMITTED:
        return ev  # already submitted: idempotent, no second event
    if not ev.can_transition_to(Evaluation.Status.SUBMITTED):
        raise ValidationError(NOT_SUBMITTABLE, code="state")
    reopening = _check_window(ev, by, now)
    problems = check_submission(ev)
    if problems:
        raise ValidationError(
            SUBMISSION_INCOMPLETE, code="incomplete", params={"count": len(problems)}
        )
    result = self_index(ev)
    ev.submitted_at = now
    ev.submitted_by = by
    ev.submission_hash = submission_content_hash(ev)
    ev.submission_count += 1
    ev.self_index = result.index
    ev.self_predicate = result.predicate
    ev.last_activity_at = now
    _transition(
        evaluation=ev,
        to=Evaluation.Status.SUBMITTED,
        by=by,
        at=now,
        action=AuditEvent.Action.SUBMITTED,
        note=ev.submission_hash,
    )
    if reopening is not None:
        Reopening.objects.filter(pk=reopening.pk).update(closed_at=now)
    # The submission receipt (PDF, emailed to the supervisors): rendered after commit.
    from evaluations.services.reports import request_receipt

    request_receipt(evaluation=ev, by=by)
    return ev


__all__ = [
    "EditConflict",
    "refresh_progress",
    "save_answer",
    "submission_content_hash",
    "submit_evaluation",
]
