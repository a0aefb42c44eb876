"""Reads of evidence files for the people who may see them."""

from __future__ import annotations

from django.db.models import Q

from evaluations.models import EvidenceFile
from evaluations.selectors import evaluations_second_assessed_by, evaluations_visible_to


def visible_evidence(user, evidence_pk: int) -> EvidenceFile | None:
    """The evidence file if its evaluation is visible to `user`, or is one `user` scores
    as second assessor; else None (a 404)."""
    return (
        EvidenceFile.objects.filter(
            Q(evaluation__in=evaluations_visible_to(user))
            | Q(evaluation__in=evaluations_second_assessed_by(user)),
            pk=evidence_pk,
        )
        .select_related("evaluation__institution")
        .first()
    )
