"""Requesting and producing the portal's documents (receipts, institution and national
reports, the ZIP of a period's reports).

Requests create or reuse a `Report` row and enqueue its task after commit.
The tasks (`evaluations.tasks.reports`) call `generate_report` / `build_archive`,
which claim the row first, so a second delivery does nothing; the life cycle itself
is in `evaluations.services.report_state`, shared with the data exports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import zipfile

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from evaluations import documents
from evaluations.dispatch import enqueue, enqueue_many, send_now
from evaluations.models import AuditEvent, Evaluation, EvaluationPeriod, Report
from evaluations.permissions import (
    can_manage_period,
    can_view_institution_report,
    can_view_receipt,
)
from evaluations.services.core import record_event
from evaluations.services.official import issue_number, record_file_hash
from evaluations.services.report_state import (
    claim_report,
    finish_report,
    keep_report,
    set_report_progress,
    stale_claim_cutoff,
)
from institutions.models import Role, User

logger = logging.getLogger(__name__)

REPORT_NOT_RELEASED = _("The evaluation report is available once the results are released.")
RECEIPT_NOT_SUBMITTED = _("There is no receipt: this evaluation has not been submitted.")
NOTHING_RELEASED = _("No evaluation of this period has released results yet.")
NOTHING_TO_ARCHIVE = _("No institution report of this period is ready yet: generate them first.")
UNKNOWN_KIND = _("This kind of document cannot be requested here.")

ARCHIVE_PROGRESS_EVERY = 25
LOST_MESSAGE_AFTER = dt.timedelta(hours=1)
# A receipt waits on the interactive queue, which bulk work never fills: one still queued
# after this lost its message (a broker that crashed before writing it to disk).
LOST_RECEIPT_AFTER = dt.timedelta(minutes=2)
LANGUAGES = ("id", "en")


def _language(language: str | None) -> str:
    language = (language or "id")[:2]
    return language if language in LANGUAGES else "id"


def _latest(qs):
    return qs.select_for_update().order_by("-requested_at", "-pk").first()


def _queue_for(kind: str) -> str:
    """A receipt is what a supervisor waits for after submitting; the rest is bulk work."""
    return "" if kind == Report.Kind.RECEIPT else settings.BULK_QUEUE


def _enqueue(report: Report) -> None:
    from evaluations.tasks.reports import build_archive_task, render_report_task

    task = build_archive_task if report.kind == Report.Kind.ARCHIVE else render_report_task
    enqueue(task, queue=_queue_for(report.kind), report_id=report.pk)


def _queue(existing: Report | None, *, by, source_hash: str = "", **fields) -> Report:
    """Put `existing` back to QUEUED (keeping its file until replaced) or create a row."""
    if existing is None:
        report = Report.objects.create(requested_by=by, status=Report.Status.QUEUED, **fields)
    else:
        report = existing
        report.status = Report.Status.QUEUED
        report.error = ""
        report.claimed_at = None
        report.finished_at = None
        report.requested_by = by
        report.requested_at = timezone.now()
        report.progress_done = 0
        report.save()
    _enqueue(report)
    return report


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


def _evaluation_for_document(kind: str, by, evaluation) -> Evaluation:
    """The evaluation, locked, once `by` may have this document of it now: a receipt
    needs a submission, an institution report released results."""
    evaluation = (
        Evaluation.objects.select_for_update()
        .select_related("institution", "period__framework")
        .get(pk=evaluation.pk)
    )
    if kind == Report.Kind.RECEIPT:
        if not can_view_receipt(by, evaluation):
            raise PermissionDenied
        if evaluation.submitted_at is None:
            raise ValidationError(RECEIPT_NOT_SUBMITTED, code="not_submitted")
    else:
        if not can_view_institution_report(by, evaluation):
            raise PermissionDenied
        if evaluation.status != Evaluation.Status.RELEASED:
            raise ValidationError(REPORT_NOT_RELEASED, code="not_released")
    return evaluation


def _document_subject(kind: str, by, evaluation, period) -> tuple[object, dict]:
    """What the document is about (locked, access checked) and the Report fields that
    scope it: an evaluation for a receipt or an institution report, a period for the
    national report."""
    if kind in (Report.Kind.RECEIPT, Report.Kind.INSTITUTION):
        evaluation = _evaluation_for_document(kind, by, evaluation)
        return evaluation, {"evaluation": evaluation, "period_id": evaluation.period_id}
    if kind == Report.Kind.NATIONAL:
        if not can_manage_period(by):
            raise PermissionDenied
        period = EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
        return period, {"period": period, "evaluation": None}
    raise ValidationError(UNKNOWN_KIND, code="kind")


def _reusable(existing: Report | None, kind: str, obj, language: str) -> bool:
    """A request in flight is not queued twice; a ready document of unchanged data is
    not rendered again."""
    if existing is None:
        return False
    if existing.status in (Report.Status.QUEUED, Report.Status.RENDERING):
        return True
    return (
        existing.status == Report.Status.READY
        and existing.source_hash == documents.source_hash_for(kind, obj, language)
    )


@transaction.atomic
def request_report(*, kind: str, by, evaluation=None, period=None, language: str = "id") -> Report:
    """Ask for a document; returns the Report to show (READY, QUEUED or RENDERING).

    A READY report whose source hash still matches is reused; a QUEUED or RENDERING
    one is returned as is (a double click queues nothing). Otherwise the row is
    (re)queued and its task enqueued after commit.
    """
    language = _language(language)
    obj, scope = _document_subject(kind, by, evaluation, period)
    national = kind == Report.Kind.NATIONAL
    params = {}
    existing_qs = Report.objects.filter(kind=kind, language=language, **scope)
    if kind == Report.Kind.RECEIPT:
        # One receipt per submission: a resubmission gets its own document.
        params = {"submission": obj.submission_count}
        existing_qs = existing_qs.filter(params__submission=obj.submission_count)
    existing = _latest(existing_qs)
    if _reusable(existing, kind, obj, language):
        return existing
    report = _queue(existing, by=by, kind=kind, language=language, params=params, **scope)
    record_event(
        action=AuditEvent.Action.REPORT_REQUESTED,
        actor=by,
        evaluation=None if national else obj,
        period=obj if national else None,
        changes={"kind": kind, "language": language, "report": report.pk},
    )
    return report


def request_receipt(*, evaluation, by) -> Report:
    """The receipt of the latest submission, rendered in the background and then emailed
    to the institution's supervisors. Called at the end of `submit_evaluation`."""
    return request_report(kind=Report.Kind.RECEIPT, by=by, evaluation=evaluation, language="id")


@transaction.atomic
def generate_period_reports(*, period, by, language: str = "id") -> int:
    """Queue the institution report of every evaluation of `period` with released results.

    Rows already READY or FAILED go back to QUEUED keeping their file and hash: the
    task re-renders only those whose data changed (content-hash skip), so a second run
    with nothing changed takes seconds. Returns how many reports were queued.
    """
    if not can_manage_period(by):
        raise PermissionDenied
    language = _language(language)
    period = EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
    evaluation_ids = list(
        Evaluation.objects.filter(period=period, status=Evaluation.Status.RELEASED).values_list(
            "pk", flat=True
        )
    )
    if not evaluation_ids:
        raise ValidationError(NOTHING_RELEASED, code="nothing_released")
    latest: dict[int, Report] = {}
    for report in Report.objects.filter(
        period=period, kind=Report.Kind.INSTITUTION, language=language
    ).order_by("requested_at", "pk"):
        latest[report.evaluation_id] = report  # the last one wins
    now = timezone.now()
    new = [
        Report(
            kind=Report.Kind.INSTITUTION,
            evaluation_id=pk,
            period=period,
            language=language,
            requested_by=by,
        )
        for pk in evaluation_ids
        if pk not in latest
    ]
    Report.objects.bulk_create(new, batch_size=500)
    released = set(evaluation_ids)
    current = [r for pk, r in latest.items() if pk in released]
    requeue = [r.pk for r in current if r.status in (Report.Status.READY, Report.Status.FAILED)]
    Report.objects.filter(pk__in=requeue).update(
        status=Report.Status.QUEUED,
        error="",
        claimed_at=None,
        finished_at=None,
        requested_by=by,
        requested_at=now,
    )
    # QUEUED/RENDERING rows are enqueued again too: the claim makes a duplicate harmless.
    ids = [r.pk for r in new] + [r.pk for r in current]
    record_event(
        action=AuditEvent.Action.REPORTS_GENERATED,
        actor=by,
        period=period,
        changes={"language": language, "count": len(ids)},
    )

    from evaluations.tasks.reports import render_report_task

    enqueue_many(render_report_task, [{"report_id": pk} for pk in ids], queue=settings.BULK_QUEUE)
    return len(ids)


def _archive_members(period, language: str):
    return list(
        Report.objects.filter(
            period=period,
            kind=Report.Kind.INSTITUTION,
            language=language,
            status=Report.Status.READY,
        )
        .exclude(file="")
        .select_related("evaluation__institution", "period")
        .order_by("evaluation__institution__name", "pk")
    )


def _archive_hash(members) -> str:
    joined = "\n".join(f"{r.pk}:{r.source_hash}" for r in members)
    return hashlib.sha256(f"{documents.TEMPLATE_VERSION}\n{joined}".encode()).hexdigest()


@transaction.atomic
def request_archive(*, period, by, language: str = "id") -> Report:
    """One ZIP of the period's READY institution reports, built in the background."""
    if not can_manage_period(by):
        raise PermissionDenied
    language = _language(language)
    period = EvaluationPeriod.objects.select_for_update().get(pk=period.pk)
    members = _archive_members(period, language)
    if not members:
        raise ValidationError(NOTHING_TO_ARCHIVE, code="nothing_to_archive")
    existing = _latest(
        Report.objects.filter(period=period, kind=Report.Kind.ARCHIVE, language=language)
    )
    if existing is not None and existing.status in (
        Report.Status.QUEUED,
        Report.Status.RENDERING,
    ):
        return existing
    if (
        existing is not None
        and existing.status == Report.Status.READY
        and existing.source_hash == _archive_hash(members)
    ):
        return existing
    report = _queue(
        existing,
        by=by,
        kind=Report.Kind.ARCHIVE,
        period=period,
        language=language,
        format="zip",
    )
    Report.objects.filter(pk=report.pk).update(progress_total=len(members), progress_done=0)
    record_event(
        action=AuditEvent.Action.REPORT_REQUESTED,
        actor=by,
        period=period,
        changes={"kind": Report.Kind.ARCHIVE, "language": language, "report": report.pk},
    )
    return report


# ---------------------------------------------------------------------------
# Producing (called by the tasks)
# ---------------------------------------------------------------------------


def generate_report(*, report_id: int) -> Report | None:
    """Claim and produce one document. Returns None when another run has it or it is done.

    Errors propagate: the task decides what is transient (retry) or permanent (FAILED).
    """
    report = claim_report(report_id=report_id)
    if report is None:
        logger.info("generate_report: report %s not claimable, nothing to do", report_id)
        return None
    report = Report.objects.select_related("evaluation__institution", "period").get(pk=report_id)
    kind, language = report.kind, report.language
    obj = report.evaluation if kind != Report.Kind.NATIONAL else report.period
    if kind == Report.Kind.MINUTES:
        from evaluations.models import Meeting

        obj = Meeting.objects.get(pk=report.params["meeting"])
    data = documents.document_data(kind, obj, language)
    source_hash = documents.hash_data(kind, data, language)
    if report.file and report.source_hash == source_hash:
        # Content-hash skip: nothing it shows has changed since the last rendering.
        with transaction.atomic():
            report = keep_report(report=report)
            _queue_receipt_email(report)
    else:
        # A new rendering is a new official document: it gets its own number.
        issued = issue_number(report=report)
        content = documents.render_document(kind, data, language, issued=issued)
        filename = documents.filename_for(
            kind, evaluation=report.evaluation, period=report.period, language=language
        )
        with transaction.atomic():
            report = finish_report(
                report=report, content=content, filename=filename, source_hash=source_hash
            )
            record_file_hash(issued=issued, content=content)
            _queue_receipt_email(report)
    return report


def _queue_receipt_email(report: Report) -> None:
    """Queue a ready receipt's email in the transaction that marks it READY: a worker
    killed between two separate commits left a READY receipt that no job would ever
    email (nothing reclaims a READY row)."""
    if report.kind == Report.Kind.RECEIPT and not report.params.get("emailed_at"):
        from evaluations.tasks.reports import send_receipt_task

        enqueue(send_receipt_task, report_id=report.pk)


def build_archive(*, report_id: int) -> Report | None:
    """Claim an ARCHIVE row and zip the period's READY institution reports into it."""
    report = claim_report(report_id=report_id)
    if report is None:
        return None
    report = Report.objects.select_related("period").get(pk=report_id)
    members = _archive_members(report.period, report.language)
    set_report_progress(report_id=report_id, done=0, total=len(members))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        # PDFs are compressed already: storing is as small and much faster.
        for done, member in enumerate(members, start=1):
            with member.file.open("rb") as handle:
                archive.writestr(member.filename or f"report-{member.pk}.pdf", handle.read())
            if done % ARCHIVE_PROGRESS_EVERY == 0:
                set_report_progress(report_id=report_id, done=done)
    report.progress_total = len(members)
    return finish_report(
        report=report,
        content=buffer.getvalue(),
        filename=documents.filename_for(
            Report.Kind.ARCHIVE, period=report.period, language=report.language
        ),
        source_hash=_archive_hash(members),
    )


def send_receipt(*, report_id: int) -> bool:
    """Email a READY receipt (PDF attached) to the institution's supervisors, once."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("evaluation__institution", "evaluation__period")
            .filter(pk=report_id, kind=Report.Kind.RECEIPT, status=Report.Status.READY)
            .first()
        )
        if report is None or report.params.get("emailed_at"):
            return False
        evaluation = report.evaluation
        recipients = sorted(
            User.objects.filter(
                institution_id=evaluation.institution_id, role=Role.SUPERVISOR, is_active=True
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if recipients:
            context = {"evaluation": evaluation, "report": report, "site_url": settings.SITE_URL}
            with translation.override(report.language):
                subject = " ".join(
                    render_to_string("emails/report_receipt_subject.txt", context).split()
                )
                body = render_to_string("emails/report_receipt_body.txt", context)
            message = EmailMessage(subject, body, to=recipients)
            with report.file.open("rb") as handle:
                message.attach(report.filename, handle.read(), "application/pdf")
            message.send()
        report.params = {**report.params, "emailed_at": timezone.now().isoformat()}
        report.save(update_fields=["params"])
        return bool(recipients)


def _requeue_orphans(now) -> list[tuple[int, str]]:
    """RENDERING rows whose worker stopped beating: back to QUEUED (one UPDATE each,
    conditional, so a worker that finishes meanwhile keeps its result)."""
    from evaluations.models import WorkerHeartbeat
    from evaluations.worker_liveness import DEAD_AFTER, heartbeat_name

    alive_since = now - DEAD_AFTER
    claims = Report.objects.filter(
        status=Report.Status.RENDERING, claimed_at__lt=alive_since
    ).exclude(claimed_by="")
    rows = list(claims.values_list("pk", "kind", "claimed_by", "claimed_at"))
    if not rows:
        return []
    alive = set(
        WorkerHeartbeat.objects.filter(
            name__in={heartbeat_name(host) for _pk, _kind, host, _at in rows},
            seen_at__gte=alive_since,
        ).values_list("hostname", flat=True)
    )
    orphans = []
    for pk, kind, host, claimed_at in rows:
        if host in alive:
            continue
        requeued = Report.objects.filter(
            pk=pk, status=Report.Status.RENDERING, claimed_at=claimed_at
        ).update(status=Report.Status.QUEUED, claimed_at=None, claimed_by="")
        if requeued:
            logger.warning("report %s: worker %s stopped beating, queued again", pk, host)
            orphans.append((pk, kind))
    return orphans


def reclaim_stale_reports(*, now=None) -> list[int]:
    """Re-enqueue documents whose worker died (its heartbeat stopped, or RENDERING past
    the hard time limit) or whose message was lost (QUEUED for over an hour: a bulk run
    of 623 legitimately keeps rows queued for many minutes; a receipt after 2 minutes)."""
    now = now or timezone.now()
    orphans = _requeue_orphans(now)
    cutoff = stale_claim_cutoff(now)
    lost_cutoff = now - LOST_MESSAGE_AFTER
    stale = list(
        Report.objects.exclude(kind=Report.Kind.EXPORT)
        .filter(
            Q(status=Report.Status.RENDERING, claimed_at__lt=cutoff)
            | Q(status=Report.Status.QUEUED, requested_at__lt=lost_cutoff)
            | Q(
                kind=Report.Kind.RECEIPT,
                status=Report.Status.QUEUED,
                requested_at__lt=now - LOST_RECEIPT_AFTER,
            )
        )
        .values_list("pk", "kind")
    )
    again = dict(orphans + stale)  # an orphan may also be an old row: send it once
    _send_again(again)
    return list(again)


def _send_again(reports: dict) -> None:
    """Send the task of each (report pk -> kind) again, on its kind's queue."""
    from evaluations.tasks.monitoring import build_export_task
    from evaluations.tasks.reports import build_archive_task, render_report_task

    tasks = {Report.Kind.ARCHIVE: build_archive_task, Report.Kind.EXPORT: build_export_task}
    for pk, kind in reports.items():
        send_now(tasks.get(kind, render_report_task), queue=_queue_for(kind), report_id=pk)


def release_claims_of(*, hostname: str, before) -> list[int]:
    """A worker that starts under `hostname` has nothing in hand yet: a file still
    RENDERING under that name, claimed before it started, was claimed by an earlier
    worker of the same name that was killed outright. A restarted container or service
    keeps its hostname, and the new worker's heartbeat would make that dead claim look
    alive until the hard time limit (over five minutes for a receipt someone waits
    for). Back to QUEUED (conditional, as for orphans) and sent again at once."""
    rows = Report.objects.filter(
        status=Report.Status.RENDERING, claimed_by=hostname, claimed_at__lt=before
    ).values_list("pk", "kind", "claimed_at")
    again = {}
    for pk, kind, claimed_at in list(rows):
        if Report.objects.filter(
            pk=pk, status=Report.Status.RENDERING, claimed_at=claimed_at
        ).update(status=Report.Status.QUEUED, claimed_at=None, claimed_by=""):
            logger.warning("report %s: its worker %s restarted, queued again", pk, hostname)
            again[pk] = kind
    _send_again(again)
    return list(again)
