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

    Written by the services in the same transaction as the change they record
    (STYLE M8). Status changes set from_status/to_status; other writes describe
    their change in `changes` as {"field": [old, new]}.
    """

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=50)
    period = models.ForeignKey(
        EvaluationPeriod,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("period"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("institution"),
    )
    evaluation = models.ForeignKey(
        Evaluation,
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
