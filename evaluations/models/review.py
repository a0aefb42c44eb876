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


class TextReview(models.Model):
    """The review team's decision on the assessors' texts of one evaluation: the
    strengths, weaknesses and fulfilment per aspect and the general recommendation.
    Sent back, the assessors edit them and hand them in again (pending); accepted, they
    are final. Every decision is audited."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting the review")
        ACCEPTED = "accepted", _("Accepted")
        SENT_BACK = "sent_back", _("Sent back to the assessors")

    evaluation = models.OneToOneField(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="text_review",
        verbose_name=_("evaluation"),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    note = models.TextField(_("review note"), blank=True)
    rounds = models.PositiveSmallIntegerField(_("times sent back"), default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review of the texts")
        verbose_name_plural = _("reviews of the texts")

    def __str__(self) -> str:
        return f"{self.evaluation}: {self.state}"
