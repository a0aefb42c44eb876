"""Evaluation periods (campaigns) and the deadline extensions granted in them.

The deadline rule itself lives in `evaluations.deadlines`; these models only hold the data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from evaluations.models.framework import Framework
from institutions.models import Institution


class EvaluationPeriod(models.Model):
    """One evaluation campaign (e.g. SPBE 2019) on one framework.

    Deadlines are data, computed at read time by `evaluations.deadlines` (no job flips
    rows to "late"): an institution may write until `deadline` + `grace_minutes`, or
    its extension's deadline + grace.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=200)
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="periods", verbose_name=_("framework")
    )
    opens_at = models.DateTimeField(_("opens at"))
    deadline = models.DateTimeField(_("self-evaluation deadline"))
    grace_minutes = models.PositiveIntegerField(_("grace minutes"), default=0)
    document_deadline = models.DateTimeField(
        _("document-evaluation deadline"), null=True, blank=True
    )
    results_released_at = models.DateTimeField(_("results released at"), null=True, blank=True)
    reminder_offsets_days = models.JSONField(
        _("reminder offsets (days before deadline)"), default=list, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-year", "-opens_at"]
        verbose_name = _("evaluation period")
        verbose_name_plural = _("evaluation periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("deadline")),
                name="evaluations_period_opens_before_deadline",
            ),
            models.CheckConstraint(
                condition=Q(document_deadline__isnull=True)
                | Q(document_deadline__gt=F("deadline")),
                name="evaluations_period_document_after_deadline",
            ),
            models.UniqueConstraint(fields=["name"], name="evaluations_period_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def default_reminder_offsets(self) -> list[int]:
        return self.reminder_offsets_days or [14, 7, 3, 1]


class Extension(models.Model):
    """A per-institution extension of a period's self-evaluation deadline.

    At most one active (not revoked) extension per institution and period; every
    grant, change and revocation is written to the audit trail by the services.
    """

    period = models.ForeignKey(
        EvaluationPeriod,
        on_delete=models.CASCADE,
        related_name="extensions",
        verbose_name=_("period"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="extensions",
        verbose_name=_("institution"),
    )
    new_deadline = models.DateTimeField(_("new deadline"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "institution"],
                condition=Q(revoked_at__isnull=True),
                name="evaluations_extension_one_active_per_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} → {self.new_deadline:%Y-%m-%d %H:%M}"
