"""The admin's analytics pages: self-assessed against validated levels (the gap), and
year on year; each table downloads as CSV or XLSX (?format=csv|xlsx&table=...)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from evaluations import charts, exports
from evaluations.selectors import analytics as sel
from evaluations.selectors import monitoring
from institutions.models import Institution, University
from institutions.permissions import require_admin

GAP_TABLES = ("indicator", "kind", "province", "university", "assessor", "institution")


def _filters(request):
    periods = monitoring.monitoring_periods()
    period = monitoring.pick_period(periods, request.GET.get("period"), timezone.now())
    chosen = {
        "kind": request.GET.get("kind", ""),
        "province": request.GET.get("province", ""),
        "university": request.GET.get("university", ""),
    }
    return periods, period, chosen


def _download(table, *, period, name: str, fmt: str) -> HttpResponse:
    response = HttpResponse(exports.render(table, fmt=fmt), content_type=exports.CONTENT_TYPES[fmt])
    filename = f"spbe-{slugify(period.name)}-{name}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _choices():
    return {
        "kinds": Institution.Kind.choices,
        "provinces": list(
            Institution.objects.filter(kind=Institution.Kind.PROVINSI)
            .order_by("name")
            .values_list("pk", "name")
        ),
        "universities": list(
            University.objects.order_by("short_name").values_list("pk", "short_name")
        ),
    }


@login_required
def analytics_gap(request):
    require_admin(request.user)
    periods, period, chosen = _filters(request)
    context = {"periods": periods, "period": period, "chosen": chosen, **_choices()}
    if period is not None:
        data = sel.gap_analysis(sel.scoped_evaluations(period, **chosen))
        fmt = request.GET.get("format")
        if fmt in exports.CONTENT_TYPES:
            name = request.GET.get("table", "")
            if name not in GAP_TABLES:
                raise Http404
            rows = data["flagged_institutions"] if name == "institution" else data["tables"][name]
            return _download(
                exports.gap_table(name, rows), period=period, name=f"gap-{name}", fmt=fmt
            )
        overall = data["overall"]
        context.update(data)
        context["distribution_chart"] = (
            charts.column_svg(
                [(f"{g:+d}", c) for g, c in overall.dist.items() if -4 <= g <= 4],
                title=_("Gap between self-assessed and validated levels"),
            )
            if overall.n
            else ""
        )
    return render(request, "evaluations/analytics/gap.html", context)


@login_required
def analytics_trend(request):
    require_admin(request.user)
    periods, period, chosen = _filters(request)
    context = {"periods": periods, "period": period, "chosen": chosen, **_choices()}
    if period is not None:
        data = sel.year_on_year(period, sel.scoped_evaluations(period, **chosen))
        fmt = request.GET.get("format")
        if fmt in exports.CONTENT_TYPES:
            name = request.GET.get("table", "")
            if name == "institutions":
                table = exports.trend_table(data)
            elif name == "indicators":
                table = exports.indicator_trend_table(data)
            else:
                raise Http404
            return _download(table, period=period, name=f"trend-{name}", fmt=fmt)
        context.update(data)
        changes = [(r["label"][:28], r["change"]) for r in data["indicators"]]
        context["improved_chart"] = (
            charts.bar_svg(
                [(m.institution.name[:30], m.change) for m in data["improved"]],
                label_width=200,
                width=560,
                value_format=lambda v: f"+{float(v):.2f}",
                title=_("Most improved"),
            )
            if data["improved"]
            else ""
        )
        context["indicator_changes"] = changes
    return render(request, "evaluations/analytics/trend.html", context)
