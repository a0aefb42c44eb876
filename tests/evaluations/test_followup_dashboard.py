"""The ministry's follow-up dashboard: rates by kind, province and indicator, the
institutions most behind (overdue first), the chart, CSV and XLSX downloads, and a
fixed number of queries at one and at many institutions."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import FollowUp
from evaluations.selectors import followup_dashboard as sel
from institutions.models import Institution
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import small_framework

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 6, 1)


@pytest.fixture
def indicators(period):
    return small_framework(period.framework)


def _items(evaluation, indicators, statuses, *, due=None):
    for i, status in enumerate(statuses):
        FollowUp.objects.create(
            institution=evaluation.institution,
            evaluation=evaluation,
            indicator=indicators[i % len(indicators)],
            entry=i + 1,
            text=f"Rekomendasi {i}",
            status=status,
            reason="Tidak relevan" if status == FollowUp.Status.NOT_APPLICABLE else "",
            due_date=due,
        )


def test_rate_counts_done_among_applicable():
    assert sel.rate_of(1, 3) == Decimal("33.3")
    assert sel.rate_of(2, 3) == Decimal("66.7")
    assert sel.rate_of(0, 0) is None


def test_tables_group_by_kind_province_indicator_and_rank_the_most_behind(
    period, indicators, evaluation
):
    S = FollowUp.Status
    province = f.InstitutionFactory(
        name="Provinsi Jawa Barat", kind=Institution.Kind.PROVINSI, province=None
    )
    city = f.InstitutionFactory(name="Kota Bandung", kind=Institution.Kind.KOTA, province=province)
    city_ev = f.EvaluationFactory(institution=city, period=period)
    province_ev = f.EvaluationFactory(institution=province, period=period)
    _items(city_ev, indicators, [S.OPEN, S.OPEN], due=TODAY - dt.timedelta(days=3))
    _items(province_ev, indicators, [S.DONE, S.NOT_APPLICABLE, S.IN_PROGRESS], due=TODAY)
    _items(evaluation, indicators, [S.DONE])
    now = dt.datetime(2027, 6, 1, 5, tzinfo=dt.UTC)
    data = sel.dashboard(period, now=now)
    assert (data["total"].total, data["total"].done, data["total"].overdue) == (6, 2, 2)
    assert data["total"].rate == Decimal("40.0")  # 2 done of 5 that apply
    kinds = {r.key: r for r in data["kinds"]}
    # Two cities: Bandung (two overdue) and the cast's own (one done).
    assert kinds["kota"].rate == Decimal("33.3") and kinds["kota"].overdue == 2
    assert kinds["provinsi"].rate == Decimal("50.0")
    provinces = {r.label: r for r in data["provinces"]}
    # The city counts under its province, the province under itself.
    assert provinces["Provinsi Jawa Barat"].total == 5
    assert [r.label for r in data["behind"]] == ["Kota Bandung", "Provinsi Jawa Barat"]
    assert [r.key for r in data["indicators"]] == [1, 2, 3]


def test_page_shows_tables_and_chart_and_downloads(
    client, admin_user, period, indicators, evaluation
):
    S = FollowUp.Status
    _items(evaluation, indicators, [S.DONE, S.OPEN])
    logged_in(client, admin_user)
    page = client.get(reverse("evaluations:follow-up-dashboard")).content.decode()
    assert "<svg" in page and "50.0 %" in page
    assert evaluation.institution.name in page
    url = reverse("evaluations:follow-up-export")
    csv = client.get(url, {"period": period.pk, "table": "indicator", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "1. Indikator 1" in text.splitlines()[1]
    xlsx = client.get(url, {"period": period.pk, "table": "behind", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(2, 1).value == evaluation.institution.name
    assert client.get(url, {"period": period.pk, "table": "nope"}).status_code == 404


def test_page_without_released_results_says_so(client, admin_user):
    logged_in(client, admin_user)
    response = client.get(reverse("evaluations:follow-up-dashboard"))
    assert response.status_code == 200
    assert "nothing to follow up" in response.content.decode()


def test_query_count_one_and_many(client, admin_user, period, indicators, evaluation):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    logged_in(client, admin_user)
    _items(evaluation, indicators, [FollowUp.Status.OPEN])
    url = reverse("evaluations:follow-up-dashboard")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _n in range(25):
        inst = f.InstitutionFactory(kind=Institution.Kind.KABUPATEN)
        _items(f.EvaluationFactory(institution=inst, period=period), indicators, ["open", "done"])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)
