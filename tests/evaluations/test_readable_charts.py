"""Charts people can read: submissions per day and the cumulative share on their own
scales, weekly date ticks, "today" and the deadline labelled, 12 px text; a heatmap whose
every cell says its state in words (tooltip and screen reader) and with a mark."""

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations import charts
from evaluations.models import Evaluation
from tests import factories as f
from tests.conftest import logged_in

SVG = "{http://www.w3.org/2000/svg}"
S = Evaluation.Status


def _timeline(days=60, **kw):
    start = dt.date(2026, 10, 1)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    return charts.timeline_svg(
        dates,
        [i % 3 for i in range(days)],
        kind=kw.pop("kind", "bars"),
        maximum=4,
        tick_text=str,
        day_text=lambda d: d.strftime("%d-%m"),
        value_text=str,
        marks=[(20, "hari ini", charts.TODAY_COLOUR), (59, "batas waktu", "#B71C1C")],
        **kw,
    )


def test_timeline_has_weekly_ticks_labelled_marks_and_no_small_text():
    root = ET.fromstring(_timeline())  # noqa: S314
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "hari ini" in texts and "batas waktu" in texts
    assert "01-10" in texts
    # One tick a week under the axis (60 days: 9 ticks), dates written without overlap.
    dates = [t for t in root.iter(f"{SVG}text") if re.fullmatch(r"\d\d-\d\d", t.text or "")]
    xs = [float(t.get("x")) for t in dates]
    assert len(dates) >= 3 and all(b - a >= 50 for a, b in itertools.pairwise(xs))
    assert min(float(t.get("font-size")) for t in root.iter(f"{SVG}text")) >= 12
    # Every bar says its day and value (the tooltip).
    bars = list(root.iter(f"{SVG}rect"))
    assert bars and all(b.find(f"{SVG}title") is not None for b in bars)


def test_timeline_line_has_a_point_with_a_tooltip_per_day():
    root = ET.fromstring(_timeline(kind="line", days=10))  # noqa: S314
    assert len(list(root.iter(f"{SVG}circle"))) == 10
    assert root.find(f"{SVG}polyline") is not None


@pytest.mark.django_db
def test_dashboard_shows_two_charts_with_today_in_indonesian(client, admin_user, period):
    for i in range(3):
        ev = f.EvaluationFactory(period=period, institution=f.InstitutionFactory(name=f"K{i}"))
        if i:
            Evaluation.objects.filter(pk=ev.pk).update(
                status=S.SUBMITTED,
                submitted_at=timezone.now() - dt.timedelta(days=i),
                submitted_by=admin_user,
            )
    logged_in(client, admin_user)
    client.cookies["django_language"] = "id"
    html = client.get(reverse("evaluations:admin-dashboard"), {"period": period.pk})
    html = html.content.decode()
    assert html.count('class="chart-timeline"') == 2
    assert ">hari ini<" in html
    assert "Pengiriman per hari" in html and "2 pengiriman sejauh ini." in html
    # The share axis in Indonesian percent, and the tooltips with a decimal comma.
    assert ">100%<" in html and re.search(r"\d+,\d% dari instansi", html)


@pytest.mark.django_db
def test_heatmap_cells_have_a_tooltip_a_text_and_a_mark(client, admin_user, period):
    aspect = f.AspectFactory(domain=f.DomainFactory(framework=period.framework))
    indicators = [
        f.IndicatorFactory(aspect=aspect, framework=period.framework, number=n)
        for n in range(1, 48)
    ]
    ev = f.EvaluationFactory(period=period, institution=f.InstitutionFactory(name="Kota Tepi"))
    f.AnswerFactory(evaluation=ev, indicator=indicators[46], level=2)
    logged_in(client, admin_user)
    client.cookies["django_language"] = "id"
    html = client.get(reverse("evaluations:monitoring-heatmap"), {"period": period.pk})
    html = html.content.decode()
    assert html.count('<td class="hm-cell hm-') == 47
    assert 'title="Kota Tepi · Indikator 47: dijawab"' in html
    assert '<span class="visually-hidden">Indikator 47: dijawab</span>' in html
    assert '<span aria-hidden="true">○</span>' in html
