"""Reads of evidence files for the people who may see them."""

from __future__ import annotations

from evaluations.models import EvidenceFile
from evaluations.selectors import evaluations_visible_to


def visible_evidence(user, evidence_pk: int) -> EvidenceFile | None:
    """The evidence file if its evaluation is visible to `user`, else None (a 404)."""
    return (
        EvidenceFile.objects.filter(pk=evidence_pk, evaluation__in=evaluations_visible_to(user))
        .select_related("evaluation__institution")
        .first()
    )
