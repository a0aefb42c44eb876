"""Supporting PDFs (data dukung): uploaded once per evaluation, linked to answers.

Files are stored under random names outside any public URL and served only through a
permission-checked view.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Answer, Evaluation


def evidence_upload_to(instance: EvidenceFile, filename: str) -> str:
    # Unguessable storage name; the user's file name is kept only in `original_name`.
    return f"{instance.STORAGE_FOLDER}/{instance.evaluation_id}/{uuid.uuid4().hex}.pdf"


class EvidenceFile(models.Model):
    """A supporting PDF (data dukung) in an institution's library for one evaluation.

    Uploaded once and linked to one or several indicator answers. Stored outside any
    public URL; served only through a permission-checked view.
    """

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("evaluation"),
        db_index=False,  # the unique (evaluation, sha256) index starts with it
    )
    # Every evidence file is stored under this folder (the orphan sweep walks it).
    STORAGE_FOLDER = "evidence"

    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    title = models.CharField(_("title"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    # The date of the document itself (signed, issued), as the institution states it:
    # what evidence recency (evaluations.recency) is judged by.
    document_date = models.DateField(_("document date"), null=True, blank=True)
    # Kinds of active content found at upload (evaluations.evidence.ACTIVE_CONTENT_KINDS).
    active_content = models.JSONField(_("active content"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "sha256"], name="evaluations_evidence_same_file_once"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def active_content_labels(self) -> list[str]:
        from evaluations.evidence import ACTIVE_CONTENT_KINDS

        return [str(ACTIVE_CONTENT_KINDS.get(k, k)) for k in self.active_content]


class EvidenceLink(models.Model):
    """Links an evidence file to a self-phase answer (one indicator entry)."""

    evidence = models.ForeignKey(
        EvidenceFile,
        on_delete=models.CASCADE,
        related_name="links",
        verbose_name=_("evidence"),
        db_index=False,  # the unique (evidence, answer) index starts with it
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, related_name="evidence_links", verbose_name=_("answer")
    )
    page_ref = models.CharField(_("page reference"), max_length=50, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("linked by"),
    )
    linked_at = models.DateTimeField(auto_now_add=True, verbose_name=_("linked at"))

    class Meta:
        verbose_name = _("evidence link")
        verbose_name_plural = _("evidence links")
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "answer"], name="evaluations_evidencelink_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence} → {self.answer_id}"
