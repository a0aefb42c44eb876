"""The ministry's follow-up dashboard and its downloads (admins only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from evaluations import charts, exports
from evaluations.selectors import followup_dashboard as sel
from institutions.permissions import require_admin


def _rate_chart(rows, title: str) -> str:
    items = [(r.label, r.rate) for r in rows if r.rate is not None]
    if not items:
        return ""
    return charts.bar_svg(
        items,
        maximum=100,
        label_width=190,
        width=560,
        value_format=lambda v: f"{float(v):.1f} %",
        title=title,
    )


@login_required
def follow_up_dashboard(request):
    require_admin(request.user)
    periods = sel.follow_up_periods()
    period = sel.pick(periods, request.GET.get("period"))
    context = {"periods": periods, "period": period}
    if period is not None:
        data = sel.dashboard(period)
        context.update(data)
        context["kind_chart"] = _rate_chart(data["kinds"], _("Follow-up rate by kind"))
        context["province_chart"] = _rate_chart(data["provinces"], _("Follow-up rate by province"))
    return render(request, "evaluations/followup/dashboard.html", context)


@login_required
def follow_up_export(request):
    """One table of the dashboard as CSV or XLSX: ?period=&table=kind|province|indicator|behind."""
    require_admin(request.user)
    name = request.GET.get("table", "")
    period = sel.pick(sel.follow_up_periods(), request.GET.get("period"))
    if name not in sel.TABLES or period is None:
        raise Http404
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    table = exports.follow_up_table(name, sel.table_rows(name, period))
    response = HttpResponse(exports.render(table, fmt=fmt), content_type=exports.CONTENT_TYPES[fmt])
    filename = f"spbe-{slugify(period.name)}-follow-up-{name}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
