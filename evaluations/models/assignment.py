"""Which assessors (and universities) evaluate which institution, and the declared
conflicts of interest that automatic assignment must honour.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Evaluation
from institutions.models import Institution, University


class AssessorAssignment(models.Model):
    """An assessor of the evaluation's university assigned to check it."""

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("evaluation"),
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessor_assignments",
        verbose_name=_("assessor"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(auto_now_add=True, verbose_name=_("assigned at"))
    notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("notified at"))

    class Meta:
        verbose_name = _("assessor assignment")
        verbose_name_plural = _("assessor assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "assessor"], name="evaluations_assignment_once_per_assessor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessor} → {self.evaluation}"


class ConflictOfInterest(models.Model):
    """A university or one assessor barred from assessing a named institution."""

    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="conflicts",
        verbose_name=_("institution"),
    )
    university = models.ForeignKey(
        University,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflicts",
        verbose_name=_("university"),
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflicts",
        verbose_name=_("assessor"),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(university__isnull=False, assessor__isnull=True)
                    | Q(university__isnull=True, assessor__isnull=False)
                ),
                name="evaluations_conflict_university_xor_assessor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.university or self.assessor} ✕ {self.institution}"
