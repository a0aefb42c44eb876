"""Evaluation periods (campaigns) and the deadline extensions granted in them.

The deadline rule itself lives in `evaluations.deadlines`; these models only hold the data.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from evaluations.models.framework import Framework
from institutions.models import Institution


class PeriodMode(models.TextChoices):
    # Monitoring: self-assessment, then document assessment. Evaluation adds an
    # interview and, for the institutions that need it, a site visit.
    MONITORING = "monitoring", _("Monitoring (self and document assessment)")
    EVALUATION = "evaluation", _("Evaluation (also interview and, where needed, a visit)")


# The clarification window's default length after the document stage (a week, as
# institutions report it).
CLARIFICATION_DAYS = 7


def _window_ordered(opens: str, closes: str) -> Q:
    """Both ends empty, or both set with the start before the end."""
    return Q(**{f"{opens}__isnull": True, f"{closes}__isnull": True}) | Q(
        **{f"{opens}__lt": F(closes)}
    )


class ReviewScope(models.TextChoices):
    # The ministry review team checks every external assessment, or a sample of them
    # drawn per kind of institution; the regulation leaves the choice to the ministry.
    FULL = "full", _("In full (every evaluation)")
    SAMPLE = "sample", _("By sample")


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
    mode = models.CharField(
        _("mode"), max_length=20, choices=PeriodMode.choices, default=PeriodMode.MONITORING
    )
    # The windows of the later stages. The self-assessment window is opens_at..deadline
    # (+ grace) and the document assessment runs until document_deadline; the stages
    # below are held here as data so that each can be enforced where it is recorded.
    interview_opens_at = models.DateTimeField(_("interviews open at"), null=True, blank=True)
    interview_closes_at = models.DateTimeField(_("interviews close at"), null=True, blank=True)
    # The clarification window after the document stage, in an evaluation-mode period
    # with a document deadline: it opens the second after that deadline and closes here,
    # or CLARIFICATION_DAYS later when this is empty.
    clarification_closes_at = models.DateTimeField(
        _("clarification window closes at"), null=True, blank=True
    )
    visit_opens_at = models.DateTimeField(_("site visits open at"), null=True, blank=True)
    visit_closes_at = models.DateTimeField(_("site visits close at"), null=True, blank=True)
    review_opens_at = models.DateTimeField(_("ministry review opens at"), null=True, blank=True)
    review_closes_at = models.DateTimeField(_("ministry review closes at"), null=True, blank=True)
    review_scope = models.CharField(
        _("ministry review scope"),
        max_length=10,
        choices=ReviewScope.choices,
        default=ReviewScope.FULL,
    )
    review_sample_percent = models.PositiveSmallIntegerField(
        _("review sample share (%)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    # The draw is reproducible: the seed is recorded with the time of the draw, and the
    # drawn evaluations carry `Evaluation.in_review_sample`.
    review_sample_seed = models.BigIntegerField(_("review sample seed"), null=True, blank=True)
    review_sample_drawn_at = models.DateTimeField(
        _("review sample drawn at"), null=True, blank=True
    )
    # How the participants were chosen when the period was opened, kept so that the
    # next period can start from the same choice.
    participation = models.JSONField(_("participation"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
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
            models.CheckConstraint(
                condition=_window_ordered("interview_opens_at", "interview_closes_at"),
                name="evaluations_period_interview_window_ordered",
            ),
            models.CheckConstraint(
                condition=_window_ordered("visit_opens_at", "visit_closes_at"),
                name="evaluations_period_visit_window_ordered",
            ),
            models.CheckConstraint(
                condition=_window_ordered("review_opens_at", "review_closes_at"),
                name="evaluations_period_review_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(clarification_closes_at__isnull=True)
                | Q(document_deadline__lt=F("clarification_closes_at")),
                name="evaluations_period_clarification_after_document",
            ),
            # A monitoring period has no interview and no visit.
            models.CheckConstraint(
                condition=~Q(mode="monitoring")
                | Q(interview_opens_at__isnull=True, visit_opens_at__isnull=True),
                name="evaluations_period_monitoring_without_interview",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # The stages in order, with the fields that bound each one's window. The document
    # assessment starts when the self-assessment closes.
    STAGE_FIELDS = {
        "self": ("opens_at", "deadline"),
        "document": ("deadline", "document_deadline"),
        "clarification": ("document_deadline", "clarification_closes_at"),
        "interview": ("interview_opens_at", "interview_closes_at"),
        "visit": ("visit_opens_at", "visit_closes_at"),
        "review": ("review_opens_at", "review_closes_at"),
    }

    def stage_window(self, stage: str) -> tuple[dt.datetime | None, dt.datetime | None]:
        """(start, end) of a stage's window, None where the period does not set it: the
        one place a stage's dates are read, for showing them and for enforcing them."""
        if stage == "clarification":
            return self._clarification_window()
        opens, closes = self.STAGE_FIELDS[stage]
        return getattr(self, opens), getattr(self, closes)

    @property
    def clarification_window(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        return self.stage_window("clarification")

    def _clarification_window(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        # Held only where an interview follows (evaluation mode) and the document stage
        # has an end to open after.
        if self.mode != PeriodMode.EVALUATION or self.document_deadline is None:
            return None, None
        closes = self.clarification_closes_at or (
            self.document_deadline + dt.timedelta(days=CLARIFICATION_DAYS)
        )
        return self.document_deadline + dt.timedelta(seconds=1), closes

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
