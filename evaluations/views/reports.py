"""Reports views: request a document, follow its status, download it; the admin's bulk
page for a period (all institution reports with a live progress bar, and the ZIP).

Thin function views: reads through the selectors, writes through
`evaluations.services.reports`. A report outside the user's scope answers 404, a
visible one the user may not have answers 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from evaluations.models import Report
from evaluations.permissions import (
    can_view_institution_report,
    can_view_receipt,
    get_evaluation_for,
    get_period_for,
    get_report_for,
)
from evaluations.selectors.reports import (
    failed_reports,
    period_reports_progress,
    reports_visible_to,
)
from evaluations.services import reports as services

POLL_SECONDS = 2
EVALUATION_KINDS = {"receipt": "receipt", "institution": "institution_report"}


def _language(request) -> str:
    return (translation.get_language() or "id")[:2]


def _after_request(request, report: Report):
    if report.status == Report.Status.READY:
        # Idempotent: nothing changed since it was made, so the same file is offered.
        messages.info(request, _("The document is up to date and ready to download."))
    else:
        messages.success(request, _("The document is being prepared. This page updates itself."))
    return redirect("evaluations:report-detail", pk=report.pk)


@login_required
@require_POST
def report_request(request, pk: int, kind: str):
    """POST: ask for an evaluation's receipt or institution report."""
    if kind not in EVALUATION_KINDS:
        raise Http404
    evaluation = get_evaluation_for(request, pk, need=EVALUATION_KINDS[kind])
    try:
        report = services.request_report(
            kind=kind, by=request.user, evaluation=evaluation, language=_language(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("evaluations:report-list", pk=evaluation.pk)
    return _after_request(request, report)


@login_required
@require_GET
def report_list(request, pk: int):
    """An evaluation's documents the user may have, with the buttons to make them."""
    evaluation = get_evaluation_for(request, pk)
    user = request.user
    reports = [
        r
        for r in reports_visible_to(user)
        .filter(evaluation=evaluation)
        .select_related("evaluation__institution")
        if (r.kind == Report.Kind.RECEIPT and can_view_receipt(user, evaluation))
        or (r.kind == Report.Kind.INSTITUTION and can_view_institution_report(user, evaluation))
    ]
    return render(
        request,
        "reports/report_list.html",
        {
            "evaluation": evaluation,
            "reports": reports,
            "may_receipt": can_view_receipt(user, evaluation) and evaluation.submitted_at,
            "may_report": can_view_institution_report(user, evaluation)
            and evaluation.status == evaluation.Status.RELEASED,
        },
    )


@login_required
@require_POST
def national_report_request(request, pk: int):
    period = get_period_for(request, pk)
    report = services.request_report(
        kind=Report.Kind.NATIONAL, by=request.user, period=period, language=_language(request)
    )
    return _after_request(request, report)


@login_required
@require_GET
def report_detail(request, pk: int):
    """The status page of one document; polls the partial while it is being made (C8)."""
    report = get_report_for(request, pk)
    return render(
        request,
        "reports/report_detail.html",
        {"report": report, "poll_seconds": POLL_SECONDS, "pending": _pending(report)},
    )


def _pending(report: Report) -> bool:
    return report.status in (Report.Status.QUEUED, Report.Status.RENDERING)


@login_required
@require_GET
def report_status(request, pk: int):
    """htmx partial: the status block, polling itself while the document is pending."""
    report = get_report_for(request, pk)
    return render(
        request,
        "reports/_report_status.html",
        {"report": report, "poll_seconds": POLL_SECONDS, "pending": _pending(report)},
    )


@login_required
@require_GET
def report_download(request, pk: int):
    report = get_report_for(request, pk)
    if report.status != Report.Status.READY or not report.file:
        messages.info(request, _("The document is not ready yet."))
        return redirect("evaluations:report-detail", pk=report.pk)
    content_type = "application/zip" if report.format == "zip" else "application/pdf"
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- The admin's bulk page -------------------------------------------------------------------


def _bulk_context(request, period):
    language = _language(request)
    progress = period_reports_progress(period=period, language=language)
    return {
        "period": period,
        "progress": progress,
        "failed": failed_reports(period=period, language=language) if progress["failed"] else [],
        "poll_seconds": POLL_SECONDS,
        "pending": progress["running"]
        or (progress["archive"] is not None and _pending(progress["archive"])),
    }


@login_required
@require_GET
def period_reports(request, pk: int):
    period = get_period_for(request, pk)
    return render(request, "reports/period_reports.html", _bulk_context(request, period))


@login_required
@require_GET
def period_reports_progress_view(request, pk: int):
    period = get_period_for(request, pk)
    return render(request, "reports/_period_progress.html", _bulk_context(request, period))


@login_required
@require_POST
def period_reports_generate(request, pk: int):
    period = get_period_for(request, pk)
    try:
        count = services.generate_period_reports(
            period=period, by=request.user, language=_language(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s institution report queued. Unchanged ones are not rendered again.",
                "%(count)s institution reports queued. Unchanged ones are not rendered again.",
                count,
            )
            % {"count": count},
        )
    return redirect("evaluations:period-reports", pk=period.pk)


@login_required
@require_POST
def period_reports_archive(request, pk: int):
    period = get_period_for(request, pk)
    try:
        report = services.request_archive(
            period=period, by=request.user, language=_language(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if report.status == Report.Status.READY:
            messages.info(request, _("The ZIP is up to date."))
        else:
            messages.success(request, _("The ZIP is being built. This page updates itself."))
    return redirect("evaluations:period-reports", pk=period.pk)
