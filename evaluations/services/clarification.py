"""The clarification window after the document stage: the institution answers its
provisional result per indicator entry (text and evidence), and the assessor decides.

An accepted response records the new level as an answer of the clarification phase:
`scoring.counting_answers` ranks that phase after the document stage and before the
interview, so the accepted level counts from then on and a later stage that scores the
entry overrides it, like any stage. Every change is audited in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.models import (
    Answer,
    AuditEvent,
    ClarificationResponse,
    Evaluation,
    EvidenceFile,
    Indicator,
    Phase,
)
from evaluations.notifications import queue_email
from evaluations.permissions import is_institution_staff_of, require
from evaluations.selectors.people import staff_emails_by_institution
from evaluations.services.assessment import (
    ENTRY_OUT_OF_RANGE,
    STAGE_SCORABLE,
    _check_validated_level,
    _lock_for_assessor,
    require_stage_open,
)
from evaluations.services.core import record_event
from evaluations.services.evidence import store_evidence

RESPONSE_REQUIRED = _("Write your response before saving it.")
ALREADY_DECIDED = _("The assessor has already decided on this response: it can no longer change.")
NOT_IN_ASSESSMENT = _(
    "This evaluation is not between the document assessment and the approval "
    "(status: %(status)s): responses are no longer taken or decided."
)
REASON_REQUIRED = _("Say why the response is not accepted.")
DECISION_UNKNOWN = _("Choose whether the response is accepted.")


def _lock(evaluation) -> Evaluation:
    return (
        Evaluation.objects.select_for_update()
        .select_related("period__framework", "institution")
        .get(pk=evaluation.pk)
    )


def _require_in_assessment(evaluation: Evaluation) -> None:
    if evaluation.status not in STAGE_SCORABLE:
        raise ValidationError(
            NOT_IN_ASSESSMENT, params={"status": evaluation.get_status_display()}, code="status"
        )


def _require_entry_of(ev: Evaluation, indicator: Indicator, entry: int) -> None:
    """An indicator of another framework is treated as a foreign object (PermissionDenied);
    an entry the indicator does not have is a ValidationError."""
    if indicator.framework_id != ev.period.framework_id:
        raise PermissionDenied
    if not 1 <= entry <= indicator.max_entries:
        raise ValidationError(ENTRY_OUT_OF_RANGE, params={"entry": entry}, code="entry")


def _response_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(RESPONSE_REQUIRED, code="required")
    text_limits.check(text, text_limits.JUSTIFICATION, _("Response"))
    return text


def _undecided_response(
    ev: Evaluation, indicator: Indicator, entry: int
) -> ClarificationResponse | None:
    """The entry's response, locked, or None before the first; once the assessor has
    decided on it, it can no longer change."""
    response = (
        ClarificationResponse.objects.select_for_update()
        .filter(evaluation=ev, indicator=indicator, entry=entry)
        .first()
    )
    if response is not None and response.decision != ClarificationResponse.Decision.PENDING:
        raise ValidationError(ALREADY_DECIDED, code="decided")
    return response


def _response_files(ev: Evaluation, by, evidence_ids, uploaded_file, now) -> list[EvidenceFile]:
    """The chosen files of the evaluation's own library (others are ignored), and the
    upload, stored in the library first."""
    files = list(EvidenceFile.objects.filter(evaluation=ev, pk__in=list(evidence_ids)))
    if uploaded_file is not None:
        files.append(
            store_evidence(evaluation=ev, by=by, uploaded_file=uploaded_file, title="", now=now)
        )
    return files


@transaction.atomic
def save_response(
    *,
    evaluation: Evaluation,
    indicator: Indicator,
    by,
    text: str,
    entry: int = 1,
    evidence_ids=(),
    uploaded_file=None,
    now=None,
) -> ClarificationResponse:
    """Write or change the institution's response for one indicator entry.

    Preconditions: `by` is the institution's staff (else PermissionDenied); the
    clarification window is open (`deadlines.stage_state`); the evaluation is under
    assessment or assessed; the response is not yet decided. `evidence_ids` are files
    of the evaluation's own library (others are ignored); `uploaded_file`, when given,
    is checked and added to the library first. Side effects: RESPONSE_SAVED event (and
    EVIDENCE_UPLOADED for a new file). A call that changes nothing records nothing.
    """
    now = now or timezone.now()
    ev = _lock(evaluation)
    require(is_institution_staff_of(by, ev))
    _require_entry_of(ev, indicator, entry)
    _require_in_assessment(ev)
    require_stage_open(ev.period, "clarification", now)
    text = _response_text(text)
    response = _undecided_response(ev, indicator, entry)
    files = _response_files(ev, by, evidence_ids, uploaded_file, now)
    old_text = response.text if response else None
    old_files = sorted(f.original_name for f in response.evidence.all()) if response else []
    new_files = sorted(f.original_name for f in files)
    if response is not None and old_text == text and old_files == new_files:
        return response
    if response is None:
        response = ClarificationResponse(evaluation=ev, indicator=indicator, entry=entry)
    response.text = text
    response.written_by = by
    response.written_at = now
    response.save()
    response.evidence.set(files)
    record_event(
        action=AuditEvent.Action.RESPONSE_SAVED,
        actor=by,
        evaluation=ev,
        indicator=indicator,
        changes=text_limits.audit_changes(
            {"text": [old_text, text], "evidence": [old_files, new_files], "entry": entry}
        ),
        at=now,
    )
    return response


@transaction.atomic
def decide_response(
    *,
    response: ClarificationResponse,
    by,
    accepted: bool,
    level: int | None = None,
    reason: str = "",
    now=None,
) -> ClarificationResponse:
    """The assessor's decision on a response: accepted with the new level, or not
    accepted with a reason.

    Preconditions: `by` is assigned to the evaluation (else PermissionDenied); the
    evaluation is under assessment or assessed; the response is still pending; a level
    for an acceptance (0 only where the framework allows it), a reason for a refusal.
    Side effects: an acceptance writes the level as the entry's clarification-phase
    answer (the reason as its justification, the response as its facts); audit event;
    an email to the institution's staff after commit.
    """
    now = now or timezone.now()
    ev = _lock_for_assessor(response.evaluation, by)
    _require_in_assessment(ev)
    response = (
        ClarificationResponse.objects.select_for_update()
        .select_related("indicator")
        .get(pk=response.pk, evaluation=ev)
    )
    if response.decision != ClarificationResponse.Decision.PENDING:
        raise ValidationError(ALREADY_DECIDED, code="decided")
    reason = (reason or "").strip()
    text_limits.check(reason, text_limits.REASON, _("Reason"))
    if accepted:
        _check_validated_level(ev.period.framework, response.indicator, response.entry, level)
        _record_level(ev, response, level, reason, by)
        response.decision = ClarificationResponse.Decision.ACCEPTED
        response.new_level = level
        action = AuditEvent.Action.RESPONSE_ACCEPTED
    else:
        if not reason:
            raise ValidationError(REASON_REQUIRED, code="reason")
        response.decision = ClarificationResponse.Decision.NOT_ACCEPTED
        action = AuditEvent.Action.RESPONSE_NOT_ACCEPTED
    response.reason = reason
    response.decided_by = by
    response.decided_at = now
    response.save()
    record_event(
        action=action,
        actor=by,
        evaluation=ev,
        indicator=response.indicator,
        changes=text_limits.audit_changes(
            {
                "decision": [ClarificationResponse.Decision.PENDING, response.decision],
                "level": [None, response.new_level],
                "reason": [None, reason],
                "entry": response.entry,
            }
        ),
        at=now,
    )
    queue_email(
        name="response_decided",
        to=staff_emails_by_institution([ev.institution_id]).get(ev.institution_id, []),
        context={
            "institution": ev.institution.name,
            "number": response.indicator.number,
            "accepted": accepted,
            "level": response.new_level,
            "reason": reason,
            "url": reverse("evaluations:provisional", kwargs={"pk": ev.pk}),
        },
    )
    return response


def _record_level(ev, response, level: int, reason: str, by) -> None:
    answer = Answer.objects.filter(
        evaluation=ev, indicator=response.indicator, entry=response.entry, phase=Phase.CLARIFICATION
    ).first() or Answer(
        evaluation=ev,
        indicator=response.indicator,
        entry=response.entry,
        phase=Phase.CLARIFICATION,
        version=0,
    )
    answer.level = level
    answer.facts = response.text[: text_limits.EXPLANATION]
    answer.justification = reason
    answer.version += 1
    answer.updated_by = by
    answer.save()
