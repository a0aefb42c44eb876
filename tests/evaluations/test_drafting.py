"""Texts drafted from the levels by the guide's fixed rules, offered to the assessor as
a draft that fills only empty fields, and printed in the institution report."""

from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations import drafting
from evaluations.models import AspectNote, AuditEvent, Evaluation, GeneralRecommendation
from evaluations.services import assessment_texts as svc
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import score_all, small_framework, submit

BANDS = [("Baik", Decimal("2.60")), ("Kurang", Decimal("0"))]


def _ind(number, value, aspect="A1"):
    return drafting.ScoredIndicator(
        number=number, name=f"Ind {number}", aspect_code=aspect, value=Decimal(value)
    )


def test_aspect_draft_follows_the_guide_rules():
    draft = drafting.draft_aspect("A1", [_ind(1, 1), _ind(2, 4), _ind(3, 2), _ind(4, 5)])
    # Fulfilment: levels 2-5 in framework order.
    assert draft.fulfilment.splitlines()[1:] == [
        "- Indikator 2 Ind 2 (tingkat 4)",
        "- Indikator 3 Ind 3 (tingkat 2)",
        "- Indikator 4 Ind 4 (tingkat 5)",
    ]
    # Strengths: levels 4-5, highest first; weaknesses: levels 1-2, lowest first.
    assert [line[:13] for line in draft.strengths.splitlines()[1:]] == [
        "- Indikator 4",
        "- Indikator 2",
    ]
    assert [line[:13] for line in draft.weaknesses.splitlines()[1:]] == [
        "- Indikator 1",
        "- Indikator 3",
    ]
    none = drafting.draft_aspect("A2", [_ind(5, 3, "A2")])
    assert "Belum ada indikator" in none.strengths and "Tidak ada" in none.weaknesses


def test_recommendation_names_the_strongest_and_weakest_aspect_and_advises_below_baik():
    indicators = [_ind(1, 1), _ind(2, 2), _ind(3, 4, "A2"), _ind(4, 5, "A2")]
    aspects = [("A1", "Kebijakan", Decimal("1.50")), ("A2", "Layanan", Decimal("4.50"))]
    low = drafting.draft_recommendation(
        aspects=aspects,
        index=Decimal("2.10"),
        predicate="Kurang",
        bands=BANDS,
        indicators=indicators,
    )
    assert "Indeks SPBE 2,10 dengan predikat Kurang" in low.summary
    assert low.strongest == "Aspek terkuat adalah A2 Layanan dengan nilai rata-rata 4,50."
    assert low.weakest.startswith("Aspek terlemah adalah A1 Kebijakan")
    assert low.advice.startswith("Capaian masih di bawah predikat Baik. Prioritaskan")
    assert "Indikator 1 Ind 1 (tingkat 1); Indikator 2" in low.advice  # lowest first
    good = drafting.draft_recommendation(
        aspects=aspects,
        index=Decimal("3.00"),
        predicate="Baik",
        bands=BANDS,
        indicators=indicators,
    )
    assert good.advice.startswith("Apresiasi atas capaian predikat Baik")
    assert "Indeks SPBE 3,00 dengan predikat Baik" in good.summary


@pytest.fixture
def scored(evaluation, assessor):
    indicators = small_framework(evaluation.period.framework, n=4)
    submit(evaluation, levels=(3, 3, 3, 3), indicators=indicators)
    score_all(evaluation, indicators, [1, 4, 5, 2])
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.UNDER_ASSESSMENT)
    evaluation.refresh_from_db()
    return indicators


@pytest.mark.django_db
def test_draft_fills_only_empty_fields_and_never_overwrites(evaluation, assessor, scored):
    a1 = scored[0].aspect
    svc.save_aspect_note(
        evaluation=evaluation, aspect=a1, by=assessor, strengths="Ditulis asesor.", weaknesses=""
    )
    filled = svc.draft_texts(evaluation=evaluation, by=assessor)
    note = AspectNote.objects.get(evaluation=evaluation, aspect=a1)
    assert note.strengths == "Ditulis asesor."  # kept
    assert "Indikator 1 Indikator 1 (tingkat 1)" in note.weaknesses
    assert "A1.strengths" not in filled and "A1.weaknesses" in filled
    rec = GeneralRecommendation.objects.get(evaluation=evaluation)
    assert rec.strongest.startswith("Aspek terkuat adalah A2")
    event = AuditEvent.objects.get(action="assessment.texts_drafted")
    assert event.changes["filled"] == filled
    # A second draft changes nothing: every field has text now.
    assert svc.draft_texts(evaluation=evaluation, by=assessor) == []
    rec.refresh_from_db()
    assert rec.version == 1


@pytest.mark.django_db
def test_draft_button_and_report_print_the_texts(client, evaluation, assessor, scored):
    from evaluations.selectors.reports import institution_report_data

    mine = logged_in(client, assessor)
    url = reverse("evaluations:assessment-texts", kwargs={"pk": evaluation.pk})
    page = mine.get(url).content.decode()
    assert "Draft from levels" in page
    response = mine.post(
        reverse("evaluations:assessment-texts-draft", kwargs={"pk": evaluation.pk}), follow=True
    )
    body = response.content.decode()
    assert "empty texts drafted from the levels" in body
    assert "Aspek terlemah adalah A1 Kebijakan Internal" in body
    data = institution_report_data(evaluation_id=evaluation.pk)
    assert data["recommendation"]["weakest"].startswith("Aspek terlemah adalah A1")
    assert data["aspects"][0]["fulfilment"].startswith("Indikator yang telah terpenuhi")


@pytest.mark.django_db
def test_institution_report_pdf_prints_the_general_recommendation(evaluation, assessor, scored):
    import io

    from pypdf import PdfReader

    from evaluations.documents import render_institution_report_pdf
    from tests import factories as f

    # The report's radar chart needs three aspects: move indicator 4 to a third one.
    a3 = f.AspectFactory(domain=scored[0].aspect.domain, code="A3", name="Audit", order=3)
    scored[3].aspect = a3
    scored[3].save()
    svc.draft_texts(evaluation=evaluation, by=assessor)
    pdf = render_institution_report_pdf(evaluation, "id")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert "Rekomendasi umum" in text
    assert "Aspek terlemah adalah A3 Audit" in text  # mean 2 against 2.5 and 5
    assert "Pemenuhan" in text
