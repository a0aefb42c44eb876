"""The register of issued official documents: one numbered row per rendered PDF.

A document number is printed on the PDF and answers on the public verification page,
so it is allocated before rendering, from a per-kind, per-year counter, and never
reused. The register keeps a number after its document is replaced by a newer
rendering, so a printed copy can still be checked (and shown as replaced).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Evaluation
from evaluations.models.period import EvaluationPeriod
from evaluations.models.report import Report


class DocumentCounter(models.Model):
    """The last sequence number given to a kind of document in a year (locked to count)."""

    kind = models.CharField(_("kind"), max_length=20, choices=Report.Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="evaluations_counter_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class IssuedDocument(models.Model):
    number = models.CharField(_("document number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Report.Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    report = models.ForeignKey(
        Report,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issued",
        verbose_name=_("report"),
    )
    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evaluation"),
    )
    period = models.ForeignKey(
        EvaluationPeriod,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("period"),
    )
    # The subject as printed, kept as text: the register answers for what the paper says.
    institution_name = models.CharField(_("institution"), max_length=255, blank=True)
    place = models.CharField(_("place of issue"), max_length=100)
    issued_at = models.DateTimeField(_("issued at"))
    # sha256 of the stored PDF: empty until the file is stored (a failed rendering
    # leaves a number that never answers on the verification page).
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "sequence"], name="evaluations_issued_kind_year_seq"
            )
        ]

    def __str__(self) -> str:
        return self.number
