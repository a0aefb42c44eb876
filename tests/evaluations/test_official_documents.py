"""Official documents: number, letterhead, signature block, QR verification footer,
and the public verification page. PDFs are read back with pypdf."""

import datetime as dt
import hashlib
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from evaluations.models import AuditEvent, Evaluation, IssuedDocument, Report
from evaluations.services import reports as services
from evaluations.services.official import issue_number
from evaluations.wib import WIB
from tests import factories as f

SIGNATORY = {
    "ministry": "Kementerian Uji Coba",
    "address": "Jl. Contoh No. 1, Jakarta",
    "logo": "img/logo-mark.svg",
    "place": "Jakarta",
    "official_title": "Deputi Bidang Uji",
    "official_name": "Dr. Siti Rahmawati, M.Si.",
    "official_nip": "197501012000032001",
    "number_prefix": "SPBE",
}


@pytest.fixture(autouse=True)
def _official(settings):
    settings.OFFICIAL_DOCUMENTS = SIGNATORY
    settings.SITE_URL = "https://spbe.example.go.id"


def _render(kind, evaluation, language="id"):
    report = f.ReportFactory(kind=kind, evaluation=evaluation, language=language)
    if kind == Report.Kind.RECEIPT:
        report.params = {"submission": evaluation.submission_count, "emailed_at": "x"}
        report.save()
    services.generate_report(report_id=report.pk)
    report.refresh_from_db()
    return report


def _pages(report):
    with report.file.open("rb") as handle:
        content = handle.read()
    reader = PdfReader(io.BytesIO(content))
    return content, reader.pages


def _links(page) -> set[str]:
    uris = set()
    for annot in page.get("/Annots") or []:
        action = annot.get_object().get("/A") or {}
        if action.get("/URI"):
            uris.add(str(action["/URI"]))
    return uris


def test_institution_report_is_numbered_signed_and_verifiable_on_every_page(released):
    report = _render(Report.Kind.INSTITUTION, released)
    issued = IssuedDocument.objects.get(report=report)
    year = timezone.now().astimezone(WIB).year
    assert issued.number == f"SPBE-LE-{year}-00001"
    content, pages = _pages(report)
    assert len(pages) > 2
    url = f"https://spbe.example.go.id/verifikasi/{issued.number}/"
    for page in pages:
        text = page.extract_text()
        assert issued.number in text  # the footer of every page
        assert url in _links(page)  # the QR code links to the verification page
    first, last = pages[0].extract_text(), pages[-1].extract_text()
    assert "KEMENTERIAN UJI COBA" in first  # letterhead
    assert "Dr. Siti Rahmawati, M.Si." in last
    assert "NIP 197501012000032001" in last
    assert "Deputi Bidang Uji" in last
    # Place and date of issue, month named in Indonesian.
    issued_day = issued.issued_at.astimezone(WIB)
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
              "September", "Oktober", "November", "Desember"]  # fmt: skip
    assert f"Jakarta, {issued_day.day} {months[issued_day.month - 1]} {issued_day.year}" in last
    # The register holds the hash of exactly the stored file.
    assert issued.sha256 == hashlib.sha256(content).hexdigest()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOCUMENT_ISSUED)
    assert event.changes["number"] == issued.number and event.evaluation_id == released.pk


def test_receipt_shows_submission_time_to_the_second_and_its_own_number(released):
    released.submitted_at = dt.datetime(2019, 10, 31, 23, 59, 58, tzinfo=WIB)
    released.save()
    report = _render(Report.Kind.RECEIPT, released)
    _, pages = _pages(report)
    text = "\n".join(page.extract_text() for page in pages)
    assert "31-10-2019 23:59:58 WIB" in text
    number = IssuedDocument.objects.get(report=report).number
    assert "-TT-" in number and number in pages[0].extract_text()


def test_numbers_follow_each_other_per_kind_and_are_never_shared(released, period_2019):
    other = f.answer_all_indicators(f.EvaluationFactory(period=period_2019), final_level=3)
    reports = [
        f.ReportFactory(kind=Report.Kind.INSTITUTION, evaluation=ev) for ev in (released, other)
    ]
    receipt = f.ReportFactory(kind=Report.Kind.RECEIPT, evaluation=released)
    numbers = [issue_number(report=r).number for r in [*reports, receipt, reports[0]]]
    year = timezone.now().astimezone(WIB).year
    assert numbers == [
        f"SPBE-LE-{year}-00001",
        f"SPBE-LE-{year}-00002",
        f"SPBE-TT-{year}-00001",
        f"SPBE-LE-{year}-00003",  # a new rendering of a report is a new document
    ]


def test_changed_data_renders_a_new_number_and_the_old_one_says_replaced(
    client, released, settings
):
    report = _render(Report.Kind.INSTITUTION, released)
    first = IssuedDocument.objects.get(report=report)
    released.final_index = "3.10"
    released.save()
    # Same row, data changed: rendered again under a new number.
    report.status = Report.Status.QUEUED
    report.save()
    services.generate_report(report_id=report.pk)
    second = IssuedDocument.objects.filter(report=report).exclude(pk=first.pk).get()
    assert second.number != first.number
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    old = client.get(reverse("evaluations:document-verify", args=[first.number]))
    assert "diganti dengan versi yang lebih baru" in old.content.decode()
    new = client.get(reverse("evaluations:document-verify", args=[second.number]))
    assert "diganti" not in new.content.decode()


def test_verification_page_shows_the_register_and_nothing_more(client, released):
    report = _render(Report.Kind.INSTITUTION, released)
    issued = IssuedDocument.objects.get(report=report)
    response = client.get(reverse("evaluations:document-verify", args=[issued.number]))
    assert response.status_code == 200
    page = response.content.decode()
    assert issued.number in page
    assert released.institution.name in page
    assert issued.sha256 in page
    assert "Institution evaluation report" in page
    # Not the results themselves: no index, no predicate.
    assert str(released.final_index).replace(".", ",") not in page
    assert str(released.final_index) not in page
    assert released.final_predicate not in page


def test_verification_answers_404_for_unknown_malformed_and_unreleased(client, released):
    report = _render(Report.Kind.INSTITUTION, released)
    issued = IssuedDocument.objects.get(report=report)
    for number in ("SPBE-LE-2026-99999", "spbe le", "SPBE-LE-2026-00001-"):
        assert client.get(f"/verifikasi/{number}/").status_code == 404
    # Returned to the institution after release: the document no longer answers.
    Evaluation.objects.filter(pk=released.pk).update(status=Evaluation.Status.SUBMITTED)
    url = reverse("evaluations:document-verify", args=[issued.number])
    assert client.get(url).status_code == 404
    # A number whose rendering never stored a file does not answer either.
    Evaluation.objects.filter(pk=released.pk).update(status=Evaluation.Status.RELEASED)
    assert client.get(url).status_code == 200
    IssuedDocument.objects.filter(pk=issued.pk).update(sha256="")
    assert client.get(url).status_code == 404


def test_national_report_verifies_only_after_the_period_release(client, period_2019, released):
    report = f.ReportFactory(kind=Report.Kind.NATIONAL, evaluation=None, period=period_2019)
    services.generate_report(report_id=report.pk)
    issued = IssuedDocument.objects.get(report=report)
    assert "-LN-" in issued.number
    url = reverse("evaluations:document-verify", args=[issued.number])
    period_2019.results_released_at = None
    period_2019.save()
    assert client.get(url).status_code == 404
    period_2019.results_released_at = timezone.now()
    period_2019.save()
    assert client.get(url).status_code == 200


def test_verification_reads_in_two_queries(client, released, django_assert_num_queries):
    report = _render(Report.Kind.INSTITUTION, released)
    number = IssuedDocument.objects.get(report=report).number
    with django_assert_num_queries(2):
        from evaluations.selectors.official import verifiable_document

        assert verifiable_document(number) is not None
