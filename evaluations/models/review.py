"""The ministry review team's check of an external assessment.

Per indicator entry the verdict is an Answer in the review phase: without a level it
says "valid" (the assessors' level stands); with a level it says "not valid", and the
level is the correction, explained by facts, analysis and justification. Which level
counts is decided in `evaluations.scoring` (the review phase ranks last). This model
records that the review of the whole evaluation is finished, which release requires.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Evaluation


class EvaluationReview(models.Model):
    evaluation = models.OneToOneField(
        Evaluation, on_delete=models.CASCADE, related_name="review", verbose_name=_("evaluation")
    )
    completed_at = models.DateTimeField(_("review completed at"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    corrections = models.PositiveSmallIntegerField(_("levels corrected"), default=0)

    class Meta:
        verbose_name = _("ministry review")
        verbose_name_plural = _("ministry reviews")

    def __str__(self) -> str:
        return f"{self.evaluation} ({self.completed_at:%Y-%m-%d})"
