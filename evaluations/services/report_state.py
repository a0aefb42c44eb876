"""The life cycle of a generated file (Report row), shared by documents and exports.

QUEUED -> RENDERING (claimed by one worker) -> READY | FAILED. A task claims its row
with one conditional UPDATE, so a second delivery, a retry or a double click does
nothing; a RENDERING row whose worker died is claimable again once its
claim is older than the hard time limit.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from evaluations.models import Report


def stale_claim_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Claims older than this belong to a worker that died (hard time limit passed)."""
    return (now or timezone.now()) - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


def _current_worker() -> str:
    """The hostname of the Celery worker running the current task ("" outside one)."""
    from celery import current_task

    request = getattr(current_task, "request", None)
    hostname = getattr(request, "hostname", None) if request is not None else None
    return hostname if isinstance(hostname, str) else ""


def claim_report(*, report_id: int, now: dt.datetime | None = None) -> Report | None:
    """Claim a report for rendering; returns it, or None when another run has it or it is done."""
    now = now or timezone.now()
    claimable = Q(status=Report.Status.QUEUED) | Q(
        status=Report.Status.RENDERING, claimed_at__lt=stale_claim_cutoff(now)
    )
    updated = Report.objects.filter(claimable, pk=report_id).update(
        status=Report.Status.RENDERING,
        claimed_at=now,
        claimed_by=_current_worker(),
        attempts=F("attempts") + 1,
        error="",
    )
    if updated != 1:
        return None
    return Report.objects.get(pk=report_id)


def set_report_progress(*, report_id: int, done: int, total: int | None = None) -> None:
    """Record progress of a long job (x of total) for the progress bar; one UPDATE."""
    fields = {"progress_done": done}
    if total is not None:
        fields["progress_total"] = total
    Report.objects.filter(pk=report_id).update(**fields)


@transaction.atomic
def finish_report(
    *, report: Report, content: bytes, filename: str, source_hash: str = ""
) -> Report:
    """Store the file and mark READY in one short transaction."""
    if report.file:
        report.file.delete(save=False)
    report.file.save(filename, ContentFile(content), save=False)
    report.filename = filename
    report.status = Report.Status.READY
    report.finished_at = timezone.now()
    report.error = ""
    if source_hash:
        report.source_hash = source_hash
    # Only the fields set here: the progress columns are written by set_report_progress
    # with UPDATEs, and the caller's copy of the row may hold stale (zero) values.
    report.save(update_fields=["file", "filename", "status", "finished_at", "error", "source_hash"])
    Report.objects.filter(pk=report.pk, progress_total__gt=0).update(
        progress_done=F("progress_total")
    )
    report.refresh_from_db(fields=["progress_done", "progress_total"])
    return report


def fail_report(*, report_id: int, error: str) -> None:
    """Mark a report FAILED with a message people can read (permanent errors)."""
    Report.objects.filter(pk=report_id).update(
        status=Report.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def requeue_report(*, report_id: int) -> None:
    """Put a claimed report back to QUEUED before a retry (transient errors)."""
    Report.objects.filter(pk=report_id, status=Report.Status.RENDERING).update(
        status=Report.Status.QUEUED, claimed_at=None
    )


def keep_report(*, report: Report) -> Report:
    """Mark a claimed report READY again without rendering: its source is unchanged
    (content-hash skip). The stored file and hash stay as they are."""
    report.status = Report.Status.READY
    report.finished_at = timezone.now()
    report.error = ""
    if report.progress_total:
        report.progress_done = report.progress_total
    report.save(update_fields=["status", "finished_at", "error", "progress_done"])
    return report
