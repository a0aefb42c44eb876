"""The admin's analytics: the gap between self-assessed and validated levels per
indicator, kind, province, university and assessor (each assessor against the others,
small samples and outliers marked), year on year (index, domains, most improved and
declined, the national mean per indicator), the downloads, and a fixed number of
queries at one and at many institutions."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import Phase
from evaluations.selectors import analytics as sel
from institutions.models import Institution, Role
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import small_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators(period):
    return small_framework(period.framework, n=3)


def _scored(evaluation, indicators, own, validated, *, by=None, phase=Phase.DOCUMENT):
    for indicator, mine, theirs in zip(indicators, own, validated, strict=True):
        if mine is not None:
            f.AnswerFactory(
                evaluation=evaluation, indicator=indicator, phase=Phase.SELF, level=mine
            )
        if theirs is not None:
            f.AnswerFactory(
                evaluation=evaluation, indicator=indicator, phase=phase, level=theirs, updated_by=by
            )


def test_gap_per_indicator_and_assessor_against_the_others(period, indicators, university):
    lenient = f.UserFactory(role=Role.ASSESSOR, university=university, first_name="Lena")
    strict = f.UserFactory(role=Role.ASSESSOR, university=university, first_name="Sri")
    a = f.EvaluationFactory(period=period, university=university)
    b = f.EvaluationFactory(period=period, university=university)
    _scored(a, indicators, (4, 3, 2), (4, 3, 2), by=lenient)  # gaps 0, 0, 0
    _scored(b, indicators, (5, 4, 3), (2, 2, None), by=strict)  # gaps 3, 2 (3rd unvalidated)
    # An interview level replaces the document level: the level that counts.
    f.AnswerFactory(
        evaluation=b, indicator=indicators[1], phase=Phase.INTERVIEW, level=3, updated_by=strict
    )
    data = sel.gap_analysis(sel.scoped_evaluations(period))
    overall = data["overall"]
    assert (overall.n, overall.total, overall.over, overall.under) == (5, 4, 2, 0)
    by_indicator = {r.sort: r for r in data["tables"]["indicator"]}
    assert by_indicator[1].mean == pytest.approx(1.5) and by_indicator[1].dist[3] == 1
    assert by_indicator[2].mean == pytest.approx(0.5)  # 4 - 3 (interview), 3 - 3
    assessors = {r.key: r for r in data["tables"]["assessor"]}
    # Lena's mean gap 0 against the others' 2: she validates higher (lenient).
    assert assessors[lenient.pk].versus_others == pytest.approx(-2.0)
    assert assessors[strict.pk].versus_others == pytest.approx(2.0)
    assert assessors[lenient.pk].small_sample and "Lena" in assessors[lenient.pk].label


def test_filters_and_outlying_institutions(period, indicators, university, other_university):
    bandung = f.InstitutionFactory(kind=Institution.Kind.KOTA)
    for n in range(6):
        inst = bandung if n == 0 else f.InstitutionFactory(kind=Institution.Kind.KABUPATEN)
        ev = f.EvaluationFactory(
            institution=inst, period=period, university=university if n else other_university
        )
        _scored(
            ev, indicators, (5, 5, 5) if n == 0 else (3, 3, 3), (1, 1, 1) if n == 0 else (3, 3, 2)
        )
    data = sel.gap_analysis(sel.scoped_evaluations(period))
    assert [r.key for r in data["flagged_institutions"]] == [bandung.pk]
    only_cities = sel.gap_analysis(sel.scoped_evaluations(period, kind="kota"))
    assert only_cities["overall"].n == 3
    by_university = sel.gap_analysis(sel.scoped_evaluations(period, university=str(university.pk)))
    assert by_university["overall"].n == 15


def test_year_on_year_index_domains_and_movers(period, indicators):
    before = f.EvaluationPeriodFactory(
        framework=period.framework,
        opens_at=period.opens_at - dt.timedelta(days=365),
        deadline=period.deadline - dt.timedelta(days=365),
    )
    up, down = f.InstitutionFactory(name="Naik"), f.InstitutionFactory(name="Turun")
    for inst, old, new in ((up, (1, 1, 1), (3, 3, 3)), (down, (4, 4, 4), (2, 2, 2))):
        _scored(f.EvaluationFactory(institution=inst, period=before), indicators, old, old)
        _scored(f.EvaluationFactory(institution=inst, period=period), indicators, new, new)
    data = sel.year_on_year(period, sel.scoped_evaluations(period))
    assert data["previous"] == before
    assert [m.institution.name for m in data["improved"]] == ["Naik"]
    assert [m.institution.name for m in data["declined"]] == ["Turun"]
    (improved,) = data["improved"]
    assert (float(improved.previous), float(improved.index)) == (1.0, 3.0)
    assert improved.domains and improved.previous_domains
    first = data["indicators"][0]
    assert (first["before"], first["now"], first["change"]) == (2.5, 2.5, 0.0)


def test_pages_and_downloads(client, admin_user, period, indicators, evaluation, assessor):
    _scored(evaluation, indicators, (4, 4, 4), (2, 3, 4), by=assessor)
    logged_in(client, admin_user)
    gap = client.get(reverse("evaluations:analytics-gap"), {"period": period.pk})
    html = gap.content.decode()
    assert gap.status_code == 200 and "<svg" in html
    assert "small sample" in html or "sampel kecil" in html
    csv = client.get(
        reverse("evaluations:analytics-gap"),
        {"period": period.pk, "table": "indicator", "format": "csv"},
    )
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("1. Indikator 1,1,2.0")
    xlsx = client.get(
        reverse("evaluations:analytics-trend"),
        {"period": period.pk, "table": "indicators", "format": "xlsx"},
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(2, 1).value == "1. Indikator 1" and sheet.cell(2, 2).value == 2.0
    trend = client.get(reverse("evaluations:analytics-trend"), {"period": period.pk})
    assert "no earlier period" in trend.content.decode() or "periode sebelumnya" in (
        trend.content.decode()
    )
    bad = client.get(reverse("evaluations:analytics-gap"), {"table": "x", "format": "csv"})
    assert bad.status_code == 404


@pytest.mark.parametrize("name", ["analytics-gap", "analytics-trend"])
def test_query_count_one_and_many(client, admin_user, period, indicators, university, name):
    logged_in(client, admin_user)
    url = reverse(f"evaluations:{name}")

    def add(n):
        for _ in range(n):
            by = f.UserFactory(role=Role.ASSESSOR, university=university)
            ev = f.EvaluationFactory(period=period, university=university)
            _scored(ev, indicators, (3, 3, 3), (2, 3, 4), by=by)

    add(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url, {"period": period.pk}).status_code == 200
    add(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url, {"period": period.pk}).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)
