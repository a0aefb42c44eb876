"""The interview and what leads to it: the agenda the assessor marks during the
document stage, the institution's responses in the clarification window with the
assessor's decision, and the meetings (interview or site visit) with their slots,
attendance and minutes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Evaluation
from evaluations.models.framework import Indicator

QUESTION_LENGTH = 500


class AgendaItem(models.Model):
    """An indicator the assessor will raise at the interview, with a short question.

    Marked during the document stage; the items of an evaluation are the interview's
    agenda, shown to the assessor at the interview and to the institution with its
    provisional result. One item per indicator.
    """

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="agenda_items",
        verbose_name=_("evaluation"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    question = models.CharField(_("question"), max_length=QUESTION_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("marked by"),
    )
    created_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interview agenda item")
        verbose_name_plural = _("interview agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicator"], name="evaluations_agenda_one_per_indicator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} #{self.indicator_id}"
