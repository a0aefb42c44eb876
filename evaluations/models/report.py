"""Generated documents and their rendering state, and the reminders claimed once per
offset. The database row is the source of truth for a background job's state.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Evaluation
from evaluations.models.period import EvaluationPeriod


def report_upload_to(instance: Report, filename: str) -> str:
    return f"{instance.STORAGE_FOLDER}/{instance.kind}/{uuid.uuid4().hex}{instance.extension}"


class Report(models.Model):
    """A generated document (PDF, ZIP, CSV, XLSX) and its rendering state.

    State lives here, not in a Celery result backend. A task claims a
    QUEUED row (or a RENDERING one whose worker died) with a conditional update.
    `source_hash` is the hash of the data it was rendered from: a READY report whose
    source has not changed is reused rather than rendered again.
    """

    # Every generated file is stored under this folder (the orphan sweep walks it).
    STORAGE_FOLDER = "reports"

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Submission receipt")
        INSTITUTION = "institution", _("Institution evaluation report")
        NATIONAL = "national", _("National report")
        ARCHIVE = "archive", _("ZIP of institution reports")
        EXPORT = "export", _("Data export")
        MINUTES = "minutes", _("Record of the interview or visit (berita acara)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("evaluation"),
    )
    period = models.ForeignKey(
        EvaluationPeriod,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("period"),
    )
    language = models.CharField(_("language"), max_length=10, default="id")
    format = models.CharField(_("format"), max_length=10, default="pdf")
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(
        upload_to=report_upload_to, max_length=255, blank=True, verbose_name=_("file")
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    source_hash = models.CharField(max_length=64, blank=True, verbose_name=_("source hash"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    progress_done = models.PositiveIntegerField(default=0, verbose_name=_("progress done"))
    progress_total = models.PositiveIntegerField(default=0, verbose_name=_("progress total"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested at"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    # The Celery worker (hostname) rendering it: if that worker stops beating, the row
    # is queued again (services.reports.reclaim_stale_reports).
    claimed_by = models.CharField(_("claimed by"), max_length=255, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["period", "kind", "status"]),  # bulk progress bar counts
            models.Index(fields=["evaluation", "kind", "language"]),  # reuse lookup
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def extension(self) -> str:
        return "." + (self.format or "pdf")

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.READY else 0
        return round(100 * self.progress_done / self.progress_total)


class Reminder(models.Model):
    """A deadline reminder sent (or claimed for sending) to one institution.

    Unique per evaluation, offset and the deadline it was computed for: a moved
    deadline (extension) makes new reminders due, a re-run never sends twice.
    `offset_days` is null for a reminder an admin sent by hand.
    """

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("evaluation")
    )
    offset_days = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("offset days")
    )
    deadline = models.DateTimeField(verbose_name=_("deadline"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    recipients = models.JSONField(default=list, blank=True, verbose_name=_("recipients"))
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "offset_days", "deadline"],
                condition=Q(offset_days__isnull=False),
                name="evaluations_reminder_once_per_offset_and_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} −{self.offset_days}d"
