"""Calibrated assessment: a stratified sample of a period's evaluations, each scored a
second time, blind, by an assessor of another university, to measure agreement.

The sample is reproducible: the draw is a function of the period's evaluations and the
recorded seed. Changes go only through `evaluations/services/calibration.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Evaluation
from evaluations.models.framework import LEVEL_VALIDATORS, Indicator
from evaluations.models.period import EvaluationPeriod


class CalibrationSample(models.Model):
    period = models.OneToOneField(
        EvaluationPeriod,
        on_delete=models.CASCADE,
        related_name="calibration_sample",
        verbose_name=_("period"),
    )
    share = models.DecimalField(_("share of institutions"), max_digits=4, decimal_places=3)
    seed = models.BigIntegerField(_("seed"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calibration sample")
        verbose_name_plural = _("calibration samples")
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gt=0, share__lte=1), name="evaluations_calibration_share_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_id}: {self.share} (seed {self.seed})"


class CalibrationItem(models.Model):
    sample = models.ForeignKey(
        CalibrationSample, on_delete=models.CASCADE, related_name="items", verbose_name=_("sample")
    )
    evaluation = models.OneToOneField(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="calibration",
        verbose_name=_("evaluation"),
    )
    second_assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calibration_items",
        verbose_name=_("second assessor"),
    )

    class Meta:
        verbose_name = _("calibration item")
        verbose_name_plural = _("calibration items")

    def __str__(self) -> str:
        return f"{self.sample_id}: {self.evaluation_id}"


class CalibrationAnswer(models.Model):
    """The second assessor's level for one indicator entry, kept apart from the
    evaluation's answers so that neither assessor sees the other's (blind)."""

    item = models.ForeignKey(
        CalibrationItem, on_delete=models.CASCADE, related_name="answers", verbose_name=_("item")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    entry = models.PositiveSmallIntegerField(_("entry"), default=1)
    level = models.PositiveSmallIntegerField(_("level"), validators=LEVEL_VALIDATORS)
    # Why this level, as the first assessor writes it: the consensus step reads both.
    note = models.TextField(_("explanation"), blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessor"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("second-assessor level")
        verbose_name_plural = _("second-assessor levels")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "indicator", "entry"],
                name="evaluations_calibration_answer_one_per_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} #{self.indicator_id}.{self.entry}: {self.level}"
