"""Follow-up of released recommendations (tindak lanjut): one item per recommendation
the institution received, with its owner, due date, status and progress notes.

Items are created when a result is released, from the recommendation of the answer
whose level counts; they change only through `evaluations/services/followup.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Evaluation
from evaluations.models.framework import Indicator
from institutions.models import Institution


class FollowUp(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("institution"),
    )
    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("evaluation"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    entry = models.PositiveSmallIntegerField(_("entry"), default=1)
    # The recommendation as released: the result no longer changes after release.
    text = models.TextField(_("recommendation"))
    owner_unit = models.CharField(_("responsible unit"), max_length=255, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("responsible person"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    reason = models.TextField(_("reason"), blank=True)
    # The due date a reminder was sent for: claimed once per due date, so a moved due
    # date makes a new reminder due and a re-run of the task sends nothing twice.
    reminded_for = models.DateField(_("reminded for due date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["indicator__number", "entry"]
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicator", "entry"],
                name="evaluations_followup_one_per_recommendation",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_applicable") | ~Q(reason=""),
                name="evaluations_followup_not_applicable_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        return f"{self.institution_id} #{self.indicator_id}.{self.entry} ({self.status})"


class FollowUpNote(models.Model):
    """A progress note on a follow-up item; notes are only added, never edited."""

    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="notes", verbose_name=_("follow-up item")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("note"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")

    def __str__(self) -> str:
        return f"{self.follow_up_id} @ {self.at:%Y-%m-%d %H:%M}"


class FollowUpEvidence(models.Model):
    """An evidence file of the institution's library showing that an item was followed up.

    The file is any PDF of the institution's library (any of its evaluations), checked
    at upload like an answer's evidence; once the item is done, the next period's
    self-evaluation can take the file over as evidence of that indicator (levels 4-5
    ask for proof that earlier recommendations were followed up).
    """

    follow_up = models.ForeignKey(
        FollowUp,
        on_delete=models.CASCADE,
        related_name="evidence_links",
        verbose_name=_("follow-up item"),
    )
    evidence = models.ForeignKey(
        "evaluations.EvidenceFile",
        on_delete=models.CASCADE,
        related_name="follow_up_links",
        verbose_name=_("evidence"),
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("linked by"),
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "pk"]
        verbose_name = _("follow-up evidence")
        verbose_name_plural = _("follow-up evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "evidence"], name="evaluations_followupevidence_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence_id} → {self.follow_up_id}"
