"""The audit trail: one append-only row per write of the workflow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Evaluation
from evaluations.models.framework import Indicator
from evaluations.models.period import EvaluationPeriod
from institutions.models import Institution


class AuditEvent(models.Model):
    """One recorded write of the workflow: who, when, what, from which value to which.

    Written by the services in the same transaction as the change they record, so a
    change and its record commit or roll back together. Status changes set
    from_status/to_status; other writes describe their change in `changes` as
    {"field": [old, new]}. `action` is one of `Action`: the audit trail page and the
    indicator history show its label, never the code.
    """

    class Action(models.TextChoices):
        STATUS = "status", _("Status changed")
        ANSWER_SAVED = "answer.saved", _("Answer saved")
        EVIDENCE_UPLOADED = "evidence.uploaded", _("Evidence uploaded")
        EVIDENCE_LINKED = "evidence.linked", _("Evidence linked")
        EVIDENCE_UNLINKED = "evidence.unlinked", _("Evidence unlinked")
        EVIDENCE_DELETED = "evidence.deleted", _("Evidence deleted")
        EVIDENCE_DATED = "evidence.dated", _("Evidence document date set")
        SUBMITTED = "evaluation.submitted", _("Evaluation submitted")
        RETURNED = "evaluation.return", _("Returned to the institution")
        CLARIFICATION = "evaluation.clarification", _("Clarification requested")
        REOPENED = "evaluation.reopened", _("Opened again for changes")
        SUPERVISOR_NOTIFIED = "evaluation.supervisor_notified", _("Supervisor told it is ready")
        ASSESSMENT_STARTED = "assessment.started", _("Assessment started")
        ASSESSMENT_ANSWER_SAVED = "assessment.answer_saved", _("Validated level saved")
        ASPECT_NOTE_SAVED = "assessment.aspect_note_saved", _("Strengths and weaknesses saved")
        ASSESSMENT_COMPLETED = "assessment.completed", _("Assessment marked complete")
        ASSESSMENT_APPROVED = "assessment.approved", _("Assessment approved")
        ASSESSMENT_SENT_BACK = "assessment.sent_back", _("Assessment sent back to the assessor")
        RESULTS_RELEASED = "assessment.released", _("Result released")
        AGENDA_MARKED = "interview.agenda_marked", _("Marked to raise at the interview")
        AGENDA_REMOVED = "interview.agenda_removed", _("Removed from the interview agenda")
        RESPONSE_SAVED = (
            "clarification.response_saved",
            _("Response to the provisional result saved"),
        )
        RESPONSE_ACCEPTED = "clarification.response_accepted", _("Response accepted, level changed")
        RESPONSE_NOT_ACCEPTED = "clarification.response_not_accepted", _("Response not accepted")
        MEETING_PROPOSED = "meeting.proposed", _("Interview or visit times proposed")
        MEETING_SCHEDULED = "meeting.scheduled", _("Interview or visit time chosen")
        MEETING_RESCHEDULED = "meeting.rescheduled", _("Interview or visit rescheduled")
        MEETING_REMINDED = "meeting.reminded", _("Interview or visit reminder sent")
        MEETING_RECORDED = "meeting.recorded", _("Attendance and minutes recorded")
        VISIT_SELECTED = "meeting.visit_selected", _("Institution selected for a site visit")
        REVIEW_VERDICT_SAVED = "review.verdict_saved", _("Ministry review verdict saved")
        REVIEW_COMPLETED = "review.completed", _("Ministry review completed")
        REVIEW_SAMPLE_DRAWN = "review.sample_drawn", _("Ministry review scope set")
        REVIEW_TEXTS_ACCEPTED = "review.texts_accepted", _("Assessors' texts accepted")
        REVIEW_TEXTS_SENT_BACK = "review.texts_sent_back", _("Assessors' texts sent back")
        REVIEW_TEXTS_RESUBMITTED = "review.texts_resubmitted", _("Assessors' texts handed in again")
        RECOMMENDATION_SAVED = "assessment.recommendation_saved", _("General recommendation saved")
        TEXTS_DRAFTED = "assessment.texts_drafted", _("Texts drafted from the levels")
        UNIVERSITY_ASSIGNED = "assessment.university_assigned", _("University assigned")
        ASSESSOR_ASSIGNED = "assessment.assessor_assigned", _("Assessor assigned")
        ASSESSOR_UNASSIGNED = "assessment.assessor_unassigned", _("Assessor removed")
        BATCH_UNDONE = "assessment.batch_undone", _("Assignment run undone")
        EXTENSION_GRANTED = "extension.granted", _("Extension granted")
        EXTENSION_CHANGED = "extension.changed", _("Extension changed")
        EXTENSION_REVOKED = "extension.revoked", _("Extension revoked")
        REMINDER_SENT = "reminder.sent", _("Deadline reminder sent")
        REPORT_REQUESTED = "report.requested", _("Document requested")
        DOCUMENT_ISSUED = "document.issued", _("Official document numbered")
        REPORTS_GENERATED = "reports.generated", _("Institution reports requested for the period")
        PERIOD_OPENED = "period.opened", _("Period opened")
        PERIOD_INSTITUTION_ADDED = "period.institution_added", _("Institution added to the period")
        PERIOD_INSTITUTION_WITHDRAWN = (
            "period.institution_withdrawn",
            _("Institution withdrawn from the period"),
        )
        USER_CREATED = "user.created", _("Account created")
        USER_UPDATED = "user.updated", _("Account updated")
        USER_REACTIVATED = "user.reactivated", _("Account reactivated")
        USER_INVITED = "user.invited", _("Invitation sent")
        USER_INVITATION_RESENT = "user.invitation_resent", _("Invitation sent again")
        USER_DEACTIVATED = "user.deactivated", _("Account deactivated")
        USER_INVITATION_ACCEPTED = "user.invitation_accepted", _("Invitation accepted")
        TWO_FACTOR_ENROLLED = "account.two_factor_enrolled", _("Two-factor sign-in set up")
        TWO_FACTOR_RESET = "account.two_factor_reset", _("Two-factor sign-in reset")
        RECOVERY_CODE_USED = "account.recovery_code_used", _("Recovery code used")
        FOLLOW_UP_ASSIGNED = "follow_up.assigned", _("Follow-up owner assigned")
        FOLLOW_UP_UPDATED = "follow_up.updated", _("Follow-up updated")
        FOLLOW_UP_REMINDED = "follow_up.reminded", _("Follow-up reminder sent")
        FOLLOW_UP_EVIDENCE_LINKED = "follow_up.evidence_linked", _("Follow-up evidence linked")
        FOLLOW_UP_EVIDENCE_UNLINKED = (
            "follow_up.evidence_unlinked",
            _("Follow-up evidence unlinked"),
        )
        CALIBRATION_DRAWN = "calibration.drawn", _("Calibration sample drawn")
        CALIBRATION_ASSESSOR = "calibration.assessor", _("Second assessor assigned")
        CALIBRATION_LEVEL_SAVED = "calibration.level_saved", _("Second assessor's level saved")
        CALIBRATION_CONSENSUS = "calibration.consensus", _("Level decided by consensus")

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,  # Meta.indexes' (actor, -at) serves lookups by actor
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=50, choices=Action.choices)
    period = models.ForeignKey(
        EvaluationPeriod,
        db_index=False,  # Meta.indexes' (period, -at) serves lookups by period
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("period"),
    )
    institution = models.ForeignKey(
        Institution,
        db_index=False,  # Meta.indexes' (institution, -at) serves lookups by institution
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("institution"),
    )
    evaluation = models.ForeignKey(
        Evaluation,
        db_index=False,  # Meta.indexes' (evaluation, -at) serves lookups by evaluation
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("evaluation"),
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indicator"),
    )
    from_status = models.CharField(max_length=20, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=20, blank=True, verbose_name=_("to status"))
    changes = models.JSONField(default=dict, blank=True, verbose_name=_("changes"))
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        # Every save writes one row here, so each index costs the busiest write of
        # deadline day: a foreign key gets no index of its own where a composite index
        # below starts with it (that one serves the lookups and the cascades too).
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(
                fields=["evaluation", "-at"]
            ),  # per-evaluation history, per-indicator history
            models.Index(fields=["institution", "-at"]),  # audit browser filtered by institution
            models.Index(fields=["actor", "-at"]),  # audit browser filtered by user
            models.Index(fields=["period", "-at"]),  # audit browser filtered by period
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
