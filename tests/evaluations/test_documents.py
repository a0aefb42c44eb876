"""Render tests: the PDFs opened with pypdf and read like a user would."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from evaluations import deadlines, documents
from evaluations.models import Evaluation, Report
from evaluations.selectors.national_report import national_report_data
from evaluations.selectors.reports import institution_report_data, receipt_data
from tests import factories as f


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def pdf_fonts(content: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(content))
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            names.add(str(font.get("/BaseFont")))
            descriptor = font.get("/FontDescriptor") or {}
            if descriptor:
                descriptor = descriptor.get_object()
                assert (
                    "/FontFile2" in descriptor
                    or "/FontFile3" in descriptor
                    or "/FontFile" in descriptor
                )
    return names


def test_institution_report_shows_index_predicate_and_name(released):
    content = documents.render_institution_report_pdf(released, "en")
    text, pages = pdf_text(content)
    assert "Kota Alpha" in text
    assert "2.46" in text and str(released.final_index) == "2.46"
    assert "Cukup" in text
    assert "Strengths" in text and "Kekuatan aspek A1." in text
    assert "Bukti mendukung tingkat 2." in text  # an explanation
    assert pages >= 4
    assert "Page 1 of" in text and f"Page {pages} of {pages}" in text


def test_institution_report_in_indonesian_numbers_its_pages_halaman(released):
    text, pages = pdf_text(documents.render_institution_report_pdf(released, "id"))
    assert f"Halaman 1 dari {pages}" in text
    assert f"Halaman {pages} dari {pages}" in text


def test_institution_report_embeds_the_body_font(released):
    fonts = pdf_fonts(documents.render_institution_report_pdf(released, "en"))
    assert fonts and all("DejaVu-Sans" in name for name in fonts), fonts


def test_institution_report_compares_with_the_previous_period(framework_2018, released):
    earlier = f.EvaluationPeriodFactory(
        framework=framework_2018,
        year=2018,
        name="Evaluasi SPBE 2018",
        opens_at=timezone.now() - timezone.timedelta(days=400),
        deadline=timezone.now() - timezone.timedelta(days=380),
    )
    previous = f.EvaluationFactory(institution=released.institution, period=earlier)
    f.answer_all_indicators(previous, self_level=2, final_level=1)
    text, _ = pdf_text(documents.render_institution_report_pdf(released, "en"))
    assert "In 2018 the index was 1.00 (Kurang); change: 1.46." in text


def test_institution_report_without_previous_period_has_no_comparison(released):
    data = institution_report_data(evaluation_id=released.pk)
    assert data["comparison"] is None


def test_receipt_lists_levels_evidence_sha256_and_content_hash(period_2019, institution):
    ev = f.EvaluationFactory(institution=institution, period=period_2019)
    f.answer_all_indicators(ev, self_level=4, released=False)
    answer = ev.answers.get(indicator__number=1)
    evidence = f.EvidenceFileFactory(
        evaluation=ev, original_name="perbup-spbe.pdf", sha256="0123abcd" * 8
    )
    f.EvidenceLinkFactory(evidence=evidence, answer=answer)
    ev.submission_hash = "fe" * 32
    ev.save()
    text, pages = pdf_text(documents.render_receipt_pdf(ev, "en"))
    assert "Kota Alpha" in text
    assert "perbup-spbe.pdf" in text
    assert "0123abcd" * 8 in text.replace("\n", "")
    assert "fe" * 32 in text.replace("\n", "")
    assert "WIB" in text
    assert f"Page 1 of {pages}" in text


def test_national_report_shows_index_distribution_and_ranking(period_2019):
    for name, level in (("Kota Satu", 4), ("Kota Dua", 2), ("Kota Tiga", 3)):
        ev = f.EvaluationFactory(institution=f.InstitutionFactory(name=name), period=period_2019)
        f.answer_all_indicators(ev, self_level=level, final_level=level)
    f.EvaluationFactory(period=period_2019)  # not submitted
    text, pages = pdf_text(documents.render_national_report_pdf(period_2019, "en"))
    assert "3.00" in text  # mean of 4, 2 and 3
    for name in ("Kota Satu", "Kota Dua", "Kota Tiga"):
        assert name in text
    assert "Sangat Baik" in text and "Cukup" in text
    assert "Not submitted" in text
    assert pages >= 2
    data = national_report_data(period_id=period_2019.pk)
    assert [r["name"] for r in data["ranking"]] == ["Kota Satu", "Kota Tiga", "Kota Dua"]
    assert data["progress"]["submitted"] == 3 and data["progress"]["not_submitted"] == 1


def test_long_tables_repeat_their_heading_on_the_next_page(period_2019, institution):
    ev = f.EvaluationFactory(institution=institution, period=period_2019)
    f.answer_all_indicators(ev, released=False)
    reader = PdfReader(io.BytesIO(documents.render_receipt_pdf(ev, "en")))
    assert len(reader.pages) >= 2
    second = reader.pages[1].extract_text()
    assert "No. Aspect Indicator Level" in " ".join(second.split())


def test_national_progress_counts_on_time_extension_and_late(period_2019):
    closes = deadlines.closes_at(period_2019)
    ok, ext, late = (f.EvaluationFactory(period=period_2019) for _ in range(3))
    f.ExtensionFactory(
        period=period_2019,
        institution=ext.institution,
        new_deadline=closes + timezone.timedelta(days=5),
    )
    by = f.UserFactory(role="admin")
    Evaluation.objects.filter(pk=ok.pk).update(submitted_at=closes, submitted_by=by)
    Evaluation.objects.filter(pk=ext.pk).update(
        submitted_at=closes + timezone.timedelta(days=2), submitted_by=by
    )
    Evaluation.objects.filter(pk=late.pk).update(
        submitted_at=closes + timezone.timedelta(seconds=1), submitted_by=by
    )
    progress = national_report_data(period_id=period_2019.pk)["progress"]
    assert (progress["on_time"], progress["with_extension"], progress["late"]) == (1, 1, 1)
    assert progress["extensions"] == 1


def test_source_hash_changes_with_data_and_language(released):
    kind = Report.Kind.INSTITUTION
    first = documents.source_hash_for(kind, released, "id")
    assert first == documents.source_hash_for(kind, released, "id")
    assert first != documents.source_hash_for(kind, released, "en")
    note = released.aspect_notes.first()
    note.strengths = "Diubah."
    note.save()
    assert first != documents.source_hash_for(kind, released, "id")


def test_fetcher_refuses_network_and_files_outside_static():
    fetcher = documents.StaticOnlyFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("https://example.com/x.css")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch(documents.BASE_URL + "../manage.py")
    assert fetcher.fetch(documents.BASE_URL + "css/report.css").read().startswith(b"/*")


def test_filenames_follow_the_published_pattern(released):
    released.institution.name = "Kota Denpasar"
    assert (
        documents.filename_for(Report.Kind.INSTITUTION, evaluation=released)
        == "Laporan-Evaluasi-SPBE-2019-Kota-Denpasar.pdf"
    )
    assert (
        documents.filename_for(Report.Kind.NATIONAL, period=released.period)
        == "Laporan-Nasional-SPBE-2019.pdf"
    )
    assert documents.filename_for(Report.Kind.RECEIPT, evaluation=released).startswith(
        "Tanda-Terima-SPBE-2019-Kota-Denpasar"
    )


def test_receipt_data_loads_in_constant_queries(
    django_assert_num_queries, period_2019, institution
):
    """Guards an N+1 over indicators, answers or evidence links in the receipt."""
    ev = f.EvaluationFactory(institution=institution, period=period_2019)
    f.answer_all_indicators(ev, released=False)
    for answer in ev.answers.all()[:5]:
        f.EvidenceLinkFactory(evidence=f.EvidenceFileFactory(evaluation=ev), answer=answer)
    with django_assert_num_queries(5):
        receipt_data(evaluation_id=ev.pk)


def test_institution_report_data_loads_in_constant_queries(django_assert_num_queries, released):
    """Guards an N+1 over indicators, answers or aspect notes in the institution report."""
    with django_assert_num_queries(9):  # +1: the general recommendation
        institution_report_data(evaluation_id=released.pk)


def test_national_report_data_loads_in_constant_queries(django_assert_num_queries, period_2019):
    """Guards an N+1 over the evaluations (institution, province) in the national report."""
    for _ in range(6):
        ev = f.EvaluationFactory(period=period_2019)
        f.answer_all_indicators(ev, final_level=3)
    # The period, the framework's structure (3), extensions, evaluations, indicators with
    # names, the assessor answers, and the search for a previous period.
    with django_assert_num_queries(9):
        national_report_data(period_id=period_2019.pk)


def test_documents_rendered_one_after_another_share_the_threads_fonts(released):
    import threading

    first = documents.render_institution_report_pdf(released, "id")
    config = documents.font_config()
    second = documents.render_institution_report_pdf(released, "en")
    assert documents.font_config() is config
    # Each document still embeds the body font, the one that loaded it and the next.
    for pdf in (first, second):
        fonts = pdf_fonts(pdf)
        assert fonts and all("DejaVu-Sans" in name for name in fonts), fonts
    # Another thread (an application server's) gets a configuration of its own.
    other = []
    thread = threading.Thread(target=lambda: other.append(documents.font_config()))
    thread.start()
    thread.join()
    assert other[0] is not config
