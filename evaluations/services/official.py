"""Numbering official documents: a number is allocated (and audited) before the PDF
is rendered, because the PDF prints it; the file's SHA-256 is recorded once stored."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from evaluations.models import AuditEvent, DocumentCounter, IssuedDocument, Report
from evaluations.official import NUMBERED_KINDS, format_number
from evaluations.services.core import record_event
from evaluations.wib import to_wib


@transaction.atomic
def issue_number(*, report: Report, now=None) -> IssuedDocument | None:
    """The next number of the report's kind in the year of issue (WIB), registered.

    The counter row is locked, so two workers rendering at once never share a number;
    a kind that is not an official document (ZIP, exports) gets None.
    """
    if report.kind not in NUMBERED_KINDS:
        return None
    now = now or timezone.now()
    year = to_wib(now).year
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(kind=report.kind, year=year)], ignore_conflicts=True
    )
    counter = DocumentCounter.objects.select_for_update().get(kind=report.kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    evaluation = report.evaluation
    issued = IssuedDocument.objects.create(
        number=format_number(report.kind, year, counter.last),
        kind=report.kind,
        year=year,
        sequence=counter.last,
        report=report,
        evaluation=evaluation,
        period_id=report.period_id,
        institution_name=evaluation.institution.name if evaluation else "",
        place=settings.OFFICIAL_DOCUMENTS["place"],
        issued_at=now,
    )
    record_event(
        action=AuditEvent.Action.DOCUMENT_ISSUED,
        evaluation=evaluation,
        period=report.period,
        changes={"number": issued.number, "kind": report.kind, "report": report.pk},
    )
    return issued


def record_file_hash(*, issued: IssuedDocument | None, content: bytes) -> None:
    """Store the SHA-256 of the stored PDF: from now on the number answers on the
    verification page. Called in the transaction that marks the report READY."""
    if issued is None:
        return
    IssuedDocument.objects.filter(pk=issued.pk).update(sha256=hashlib.sha256(content).hexdigest())
