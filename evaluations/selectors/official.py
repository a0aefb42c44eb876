"""Reads of the official document register for the public verification page."""

from __future__ import annotations

from evaluations.models import Evaluation, IssuedDocument, Report
from evaluations.official import NUMBER_PATTERN


def _released(document: IssuedDocument) -> bool:
    """Nothing answers before the results it belongs to are released: an institution's
    documents once its evaluation is released, the national report once the period's."""
    if document.kind == Report.Kind.NATIONAL:
        return document.period.results_released_at is not None
    return (
        document.evaluation is not None and document.evaluation.status == Evaluation.Status.RELEASED
    )


def verifiable_document(number: str) -> dict | None:
    """What the verification page may show of document `number`, or None (unknown,
    never stored, or not released yet) — in 2 queries."""
    if not NUMBER_PATTERN.match(number or ""):
        return None
    document = (
        IssuedDocument.objects.select_related("evaluation", "period")
        .exclude(sha256="")
        .filter(number=number)
        .first()
    )
    if document is None or not _released(document):
        return None
    replaced = (
        document.report_id is not None
        and IssuedDocument.objects.filter(report_id=document.report_id, pk__gt=document.pk)
        .exclude(sha256="")
        .exists()
    )
    return {
        "number": document.number,
        "kind": document.get_kind_display(),
        "institution": document.institution_name,
        "issued_at": document.issued_at,
        "place": document.place,
        "sha256": document.sha256,
        "replaced": replaced,
    }


def current_receipt(evaluation) -> tuple[Report | None, str]:
    """The receipt of the evaluation's latest submission and its document number ("" until
    it is rendered), in two queries at most."""
    report = (
        Report.objects.filter(
            evaluation=evaluation,
            kind=Report.Kind.RECEIPT,
            params__submission=evaluation.submission_count,
        )
        .order_by("-requested_at", "-pk")
        .first()
    )
    if report is None or report.status != Report.Status.READY:
        return report, ""
    issued = IssuedDocument.objects.filter(report=report).exclude(sha256="").first()
    return report, issued.number if issued else ""
