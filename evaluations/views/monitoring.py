"""Ministry monitoring views: dashboard (admin; coordinator for the own university),
heatmap, reminders, extensions, exports and the audit trail. Thin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from evaluations import charts, exports, filters
from evaluations.forms.monitoring import (
    ExportForm,
    ExtensionForm,
    ReminderForm,
    RevokeExtensionForm,
)
from evaluations.models import Evaluation, Extension, Report
from evaluations.numbers import format_percent
from evaluations.permissions import can_monitor, is_admin, is_coordinator, require, require_admin
from evaluations.selectors import audit as audit_sel
from evaluations.selectors import evaluations_visible_to, progress_charts
from evaluations.selectors import monitoring as sel
from evaluations.services import monitoring as services

POLL_SECONDS_DEFAULT = 30


def _submission_charts(curve, total: int) -> dict:
    """Submissions per day and the cumulative share of institutions: two charts with
    their own scales, weekly date ticks and the deadline and today marked in words."""
    days = [p.day for p in curve.points]
    marks = []
    if curve.deadline_index is not None:
        marks.append((curve.deadline_index, _("deadline"), charts.DEADLINE_COLOUR))
    if curve.today_index is not None:
        marks.append((curve.today_index, _("today"), charts.TODAY_COLOUR))

    def day_text(day):
        return date_format(day, "j M")

    per_day_max = max(curve.max_per_day, 2)
    per_day_max += per_day_max % 2  # an even maximum: the middle tick is a whole number
    daily = charts.timeline_svg(
        days,
        [p.count for p in curve.points],
        kind="bars",
        maximum=per_day_max,
        tick_text=lambda v: str(int(v)),
        day_text=day_text,
        value_text=lambda v: ngettext("%(n)s submission", "%(n)s submissions", v) % {"n": v},
        marks=marks,
        title=_("Submissions per day"),
    )
    shares = [100 * p.cumulative / total if total else 0 for p in curve.points]
    share = charts.timeline_svg(
        days,
        shares,
        kind="line",
        maximum=100,
        tick_text=lambda v: format_percent(v),
        day_text=day_text,
        value_text=lambda v: _("%(p)s of the institutions") % {"p": format_percent(v, 1)},
        marks=marks,
        title=_("Cumulative share of institutions that submitted"),
    )
    return {"daily": mark_safe(daily), "share": mark_safe(share)}


def _poll_seconds() -> int:
    return getattr(settings, "MONITORING_POLL_SECONDS", POLL_SECONDS_DEFAULT)


def _period_context(request):
    """The period picker's periods and the chosen one (one query)."""
    periods = sel.monitoring_periods()
    raw = request.POST.get("period") or request.GET.get("period")
    period = sel.pick_period(periods, raw, timezone.now())
    return periods, period


@login_required
def admin_dashboard(request):
    require_admin(request.user)
    return _dashboard(request, url_name="evaluations:admin-dashboard")


@login_required
def university_monitoring(request):
    require(is_coordinator(request.user))
    return _dashboard(request, url_name="evaluations:university-monitoring")


def _dashboard(request, *, url_name: str):
    """The dashboard page, or one of its parts (?part=summary|list) for htmx polling.

    A constant number of queries whatever the number of institutions (see the
    query-count tests): every section is one grouped query or one page.
    """
    now = timezone.now()
    periods, period = _period_context(request)
    part = request.GET.get("part", "")
    context = {
        "periods": periods,
        "period": period,
        "poll_seconds": _poll_seconds(),
        "dashboard_url": reverse(url_name),
        "is_admin": is_admin(request.user),
        "now": now,
    }
    if period is None:
        return render(request, "evaluations/monitoring/dashboard.html", context)
    scope = evaluations_visible_to(request.user).filter(period=period)
    indicator_total = sel.indicator_total_for(period)
    context["indicator_total"] = indicator_total
    context["at_risk_rule"] = {
        "share": int(sel.AT_RISK_PROGRESS_SHARE * 100),
        "days": sel.AT_RISK_PROGRESS_DAYS,
        "not_started_days": sel.AT_RISK_NOT_STARTED_DAYS,
    }
    if part in ("", "summary"):
        summary = sel.dashboard_summary(
            scope, period=period, now=now, indicator_total=indicator_total
        )
        context.update(
            summary=summary,
            by_kind=sel.breakdown_by_kind(scope, indicator_total=indicator_total),
            by_province=sel.breakdown_by_province(scope, indicator_total=indicator_total),
            by_university=sel.breakdown_by_university(scope, indicator_total=indicator_total),
        )
        context["curve"] = progress_charts.submission_curve(
            scope, period=period, now=now, total=summary.total
        )
        context["curve_charts"] = _submission_charts(context["curve"], summary.total)
        if part == "summary":
            return render(request, "evaluations/monitoring/_summary.html", context)
    if part in ("", "list"):
        provinces = sel.provinces_for_filter()
        universities = sel.universities_for_filter()
        filterset = filters.MonitoringListFilter(
            request.GET or None,
            queryset=sel.list_queryset(scope, now=now, indicator_total=indicator_total),
            provinces=provinces,
            universities=universities,
        )
        page = sel.institution_rows(
            filterset.qs, now=now, indicator_total=indicator_total, page=request.GET.get("page", 1)
        )
        form = filterset.form
        chosen = filters.values(filterset)
        chosen.sort = chosen.sort or filters.DEFAULT_SORT
        query = {k: v for k, v in request.GET.items() if k not in ("page", "part")}
        context.update(
            form=form,
            page=page,
            filters=chosen,
            list_query=urlencode(query),
            sort_query=urlencode({k: v for k, v in query.items() if k != "sort"}),
            reminder_form=ReminderForm(),
            # Reversed once, not once per row.
            reminder_url=reverse("evaluations:reminder-send"),
            extension_grant_url=reverse("evaluations:extension-grant"),
            next_url=reverse(url_name) + "?" + urlencode(query),
        )
        if part == "list":
            return render(request, "evaluations/monitoring/_institution_list.html", context)
    return render(request, "evaluations/monitoring/dashboard.html", context)


@login_required
def heatmap(request):
    """Indicator x institution heatmap, one page of institutions; polls like the dashboard."""
    require(can_monitor(request.user))
    periods, period = _period_context(request)
    provinces = sel.provinces_for_filter()
    scope = evaluations_visible_to(request.user).filter(period=period)
    filterset = filters.HeatmapFilter(request.GET or None, queryset=scope, provinces=provinces)
    form = filterset.form
    context = {
        "periods": periods,
        "period": period,
        "form": form,
        "poll_seconds": _poll_seconds(),
        "list_query": urlencode(
            {k: v for k, v in request.GET.items() if k not in ("page", "part")}
        ),
    }
    if period is not None:
        context["heatmap"] = progress_charts.heatmap(
            filterset.qs, period=period, page=request.GET.get("page", 1)
        )
    template = "evaluations/monitoring/_heatmap.html"
    if request.GET.get("part") != "grid":
        template = "evaluations/monitoring/heatmap.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------


@login_required
@require_POST
def reminder_send(request):
    """Send a reminder now to one evaluation (evaluation=pk) or a filtered set of a period."""
    require_admin(request.user)
    form = ReminderForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("evaluations:admin-dashboard")
    if not form.is_valid():
        messages.error(request, _("The reminder could not be sent: check the filters."))
        return redirect(back)
    data = form.cleaned_data
    if data["evaluation"]:
        target = get_object_or_404(Evaluation, pk=data["evaluation"])
        evaluations = Evaluation.objects.filter(pk=target.pk)
        if target.status not in sel.NOT_SUBMITTED:
            messages.info(request, _("This institution has already submitted."))
            return redirect(back)
    else:
        _periods, period = _period_context(request)
        period_id = request.POST.get("period", "")
        if period_id.isdigit():
            period_id = int(period_id)
        elif period is not None:
            period_id = period.pk
        evaluations = Evaluation.objects.filter(period_id=period_id)
        if data["status"]:
            evaluations = evaluations.filter(status=data["status"])
        if data["kind"]:
            evaluations = evaluations.filter(institution__kind=data["kind"])
        if data["province"]:
            evaluations = evaluations.filter(
                Q(institution__province=data["province"]) | Q(institution=data["province"])
            )
    sent = services.send_reminders_now(evaluations=evaluations, by=request.user)
    if sent:
        messages.success(
            request,
            ngettext("%(n)d reminder sent.", "%(n)d reminders sent.", sent) % {"n": sent},
        )
    else:
        messages.info(request, _("No institution to remind: every one of them has submitted."))
    return redirect(back)


# ---------------------------------------------------------------------------
# Extensions
# ---------------------------------------------------------------------------


@login_required
def extension_list(request):
    require_admin(request.user)
    periods, period = _period_context(request)
    extensions = sel.extensions_for_period(period) if period else []
    return render(
        request,
        "evaluations/monitoring/extension_list.html",
        {
            "periods": periods,
            "period": period,
            "extensions": extensions,
            "revoke_form": RevokeExtensionForm(),
        },
    )


@login_required
def extension_grant(request):
    """Grant or change an extension (GET: the form, prefilled from ?institution=)."""
    require_admin(request.user)
    periods, period = _period_context(request)
    if period is None:
        raise PermissionDenied
    if request.method == "POST":
        form = ExtensionForm(request.POST)
        if form.is_valid():
            try:
                extension, created = services.grant_extension(
                    period=period,
                    institution=form.cleaned_data["institution"],
                    new_deadline=form.cleaned_data["new_deadline"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    (
                        _("Extension granted to %(name)s.")
                        if created
                        else _("Extension of %(name)s changed.")
                    )
                    % {"name": extension.institution.name},
                )
                return redirect(
                    reverse("evaluations:extension-list") + "?" + urlencode({"period": period.pk})
                )
    else:
        initial = {}
        raw = request.GET.get("institution", "")
        if raw.isdigit():
            initial["institution"] = int(raw)
            active = Extension.objects.filter(
                period=period, institution_id=int(raw), revoked_at__isnull=True
            ).first()
            if active:
                initial["new_deadline"] = timezone.localtime(active.new_deadline)
        form = ExtensionForm(initial=initial)
    return render(
        request,
        "evaluations/monitoring/extension_form.html",
        {"form": form, "period": period, "periods": periods},
    )


@login_required
@require_POST
def extension_revoke(request, pk: int):
    require_admin(request.user)
    extension = get_object_or_404(Extension.objects.select_related("institution"), pk=pk)
    back = reverse("evaluations:extension-list") + "?" + urlencode({"period": extension.period_id})
    if extension.revoked_at is not None:
        messages.info(request, _("This extension was already revoked."))
        return redirect(back)
    form = RevokeExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for revoking the extension."))
        return redirect(back)
    try:
        services.revoke_extension(
            extension=extension, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Extension of %(name)s revoked.") % {"name": extension.institution.name}
        )
    return redirect(back)


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


@login_required
def export_list(request):
    require_admin(request.user)
    periods, period = _period_context(request)
    reports = list(
        Report.objects.filter(kind=Report.Kind.EXPORT, period=period)
        .select_related("requested_by")
        .order_by("-requested_at")[:20]
    )
    return render(
        request,
        "evaluations/monitoring/export_list.html",
        {"periods": periods, "period": period, "reports": reports, "form": ExportForm()},
    )


@login_required
@require_POST
def export_create(request):
    require_admin(request.user)
    _periods, period = _period_context(request)
    form = ExportForm(request.POST)
    if period is None or not form.is_valid():
        messages.error(request, _("Choose the data and the format of the export."))
        return redirect("evaluations:export-list")
    report = services.request_export(
        period=period,
        dataset=form.cleaned_data["dataset"],
        fmt=form.cleaned_data["format"],
        by=request.user,
    )
    messages.success(request, _("The export is being prepared."))
    return redirect("evaluations:export-status", pk=report.pk)


@login_required
def export_status(request, pk: int):
    """The export's progress; the partial (htmx) polls until it is ready or failed."""
    require_admin(request.user)
    report = get_object_or_404(Report, pk=pk, kind=Report.Kind.EXPORT)
    context = {"report": report, "poll_seconds": 2}
    if request.htmx:
        return render(request, "evaluations/monitoring/_export_status.html", context)
    return render(request, "evaluations/monitoring/export_status.html", context)


@login_required
def export_download(request, pk: int):
    require_admin(request.user)
    report = get_object_or_404(Report, pk=pk, kind=Report.Kind.EXPORT, status=Report.Status.READY)
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.filename,
        content_type=exports.CONTENT_TYPES.get(report.format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def export_progress(request):
    """The progress list of a period, downloaded at once (small: one row per institution)."""
    require_admin(request.user)
    _periods, period = _period_context(request)
    if period is None:
        raise PermissionDenied
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    table = exports.build_table("progress", period=period, progress=lambda done: None)
    response = HttpResponse(exports.render(table, fmt=fmt), content_type=exports.CONTENT_TYPES[fmt])
    filename = exports.filename_for("progress", period=period, fmt=fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------
# Audit trail
# ---------------------------------------------------------------------------


@login_required
def audit_log(request):
    """Browse the audit trail, filtered; paginated; a constant number of queries."""
    require_admin(request.user)
    periods = sel.monitoring_periods()
    filterset = filters.AuditFilter(
        request.GET or None,
        queryset=audit_sel.audit_queryset(),
        periods=periods,
        actions=audit_sel.audit_actions(),
    )
    form = filterset.form
    page = audit_sel.audit_events(filterset.qs, page=request.GET.get("page", 1))
    return render(
        request,
        "evaluations/monitoring/audit_log.html",
        {"form": form, "page": page, "periods": periods},
    )
