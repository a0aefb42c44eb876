"""The national report reads as a ministry report: an executive summary and the method
first, then national and per-kind means per domain, aspect and indicator, the predicates,
the comparison with the previous period, and the ranking last, in an appendix."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from evaluations import documents
from evaluations.selectors.national_report import national_report_data
from institutions.models import Institution
from tests import factories as f


def _released(period, name, kind, level):
    central = kind in Institution.CENTRAL_KINDS
    institution = f.InstitutionFactory(
        name=name, kind=kind, **({"province": None} if central else {})
    )
    ev = f.EvaluationFactory(institution=institution, period=period)
    return f.answer_all_indicators(ev, self_level=level, final_level=level)


@pytest.fixture
def two_years(framework_2018):
    before = f.EvaluationPeriodFactory(framework=framework_2018, year=2018, name="Evaluasi 2018")
    now = f.EvaluationPeriodFactory(framework=framework_2018, year=2019, name="Evaluasi 2019")
    K = Institution.Kind
    _released(before, "Kota Lama", K.KOTA, 2)
    for name, kind, level in (
        ("Kota Satu", K.KOTA, 4),
        ("Kota Dua", K.KOTA, 2),
        ("Kementerian Tiga", K.KEMENTERIAN, 3),
    ):
        _released(now, name, kind, level)
    return before, now


def _text(content: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages]


def test_means_per_domain_aspect_and_indicator_nationally_and_per_kind(two_years):
    _before, now = two_years
    data = national_report_data(period_id=now.pk)
    assert data["kinds"] == ["Ministry", "City"]
    domain = data["structure"][0]
    assert domain["national"] == Decimal("3.00")  # 4, 2 and 3
    assert domain["by_kind"] == [Decimal("3.00"), Decimal("3.00")]
    indicator = domain["aspects"][0]["indicators"][0]
    assert indicator["number"] == 1 and indicator["national"] == Decimal("3.00")
    assert sum(len(a["indicators"]) for d in data["structure"] for a in d["aspects"]) == 35
    comparison = data["comparison"]
    assert comparison["year"] == 2018 and comparison["index"] == Decimal("2.00")
    assert comparison["change"] == Decimal("1.00")
    city = next(r for r in comparison["kinds"] if r["kind"] == "City")
    assert (city["previous"], city["index"]) == (Decimal("2.00"), Decimal("3.00"))


def test_pdf_opens_with_summary_and_method_and_ends_with_the_ranking(two_years):
    _before, now = two_years
    pages = _text(documents.render_national_report_pdf(now, "id"))
    text = "\n".join(pages)
    order = [
        "Ringkasan eksekutif",
        "Metode",
        "Rerata per domain, aspek, dan indikator",
        "Sebaran menurut predikat",
        "Perbandingan dengan periode sebelumnya",
        "Lampiran: peringkat",
    ]
    positions = [text.find(heading) for heading in order]
    assert -1 not in positions, dict(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    # The ranking comes after the signature, on pages of its own.
    appendix_page = next(i for i, p in enumerate(pages) if "Lampiran: peringkat" in p)
    assert all("Lampiran: peringkat" not in p for p in pages[:appendix_page])
    assert "NIP" in "\n".join(pages[:appendix_page])
    # Numbers with a decimal comma, the previous year's figure and the change.
    assert "3,00" in text and "2,00" in text and "1,00" in text
    assert "3.00" not in text


@pytest.mark.parametrize("extra", [0, 5])
def test_national_data_queries_do_not_grow_with_institutions(
    two_years, extra, django_assert_num_queries
):
    _before, now = two_years
    for i in range(extra):
        _released(now, f"Kota Tambahan {i}", Institution.Kind.KOTA, 3)
    # 9 as without a previous period, and the previous period's two grouped queries.
    with django_assert_num_queries(11):
        national_report_data(period_id=now.pk)
