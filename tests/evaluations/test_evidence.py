"""Checks of uploaded evidence files, with the message the user gets for each bad file."""

import pytest
from django.core.exceptions import ValidationError

from evaluations import evidence as e
from evaluations.services import evidence as evidence_svc

from .selfeval_helpers import make_pdf, small_framework, upload


def refusal(data, name="bukti.pdf", **kw):
    with pytest.raises(ValidationError) as exc:
        e.check_pdf(upload(data, name), **kw)
    return exc.value


def test_check_pdf_accepts_a_real_pdf():
    data = make_pdf(pages=2)
    checked = e.check_pdf(upload(data, "SK Walikota.pdf"))
    assert (checked.name, checked.page_count, checked.size) == ("SK Walikota.pdf", 2, len(data))
    assert len(checked.sha256) == 64


def test_check_pdf_refuses_other_file_renamed_pdf():
    err = refusal(b"PK\x03\x04 this is a zip file renamed" * 10, name="laporan.pdf")
    assert err.code == "not_pdf" and err.message == e.FILE_NOT_PDF
    assert err.messages == [
        "The file “laporan.pdf” is not a PDF (its content is not PDF, whatever its name). "
        "Save or export it as PDF and upload it again."
    ]


def test_check_pdf_refuses_html_sent_as_pdf_content_type():
    err = refusal(b"<html><script>alert(1)</script></html>", name="x.pdf")
    assert err.code == "not_pdf"


def test_check_pdf_refuses_truncated_pdf():
    data = make_pdf(pages=3)
    err = refusal(data[: len(data) // 2], name="terpotong.pdf")
    assert err.code == "corrupt"
    assert err.messages == [
        "The file “terpotong.pdf” is damaged or incomplete and cannot be read as a PDF. "
        "Export it again and upload the new file."
    ]


def test_check_pdf_refuses_garbage_with_pdf_header_and_eof():
    err = refusal(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n", name="rusak.pdf")
    assert err.code in {"corrupt", "no_pages"}


def test_check_pdf_refuses_encrypted_pdf():
    err = refusal(make_pdf(password="rahasia"), name="terkunci.pdf")
    assert err.code == "encrypted"
    assert err.messages == [
        "The file “terkunci.pdf” is protected with a password or encrypted. Upload a copy "
        "without protection so the assessors can open it."
    ]


def test_check_pdf_refuses_empty_file():
    err = refusal(b"", name="kosong.pdf")
    assert err.code == "empty"
    assert err.messages == ["The file “kosong.pdf” is empty. Choose the PDF again and upload it."]


def test_check_pdf_refuses_pdf_with_no_pages():
    err = refusal(make_pdf(pages=0), name="nol.pdf")
    assert err.code == "no_pages"
    assert err.messages == ["The file “nol.pdf” has no pages."]


def test_check_pdf_refuses_over_size_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 500
    data = make_pdf(pages=5)
    assert len(data) > 500
    err = refusal(data, name="besar.pdf")
    assert err.code == "too_large"
    assert err.messages[0].startswith("The file “besar.pdf” is ")
    assert "the limit is 500\xa0bytes" in err.messages[0]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("SK Tim SPBE.pdf", "SK Tim SPBE.pdf"),
        ("C:\\Users\\op\\Desktop\\Renstra 2019.PDF", "Renstra 2019.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("<script>x</script>.pdf", "script_.pdf"),
        ("<b onmouseover=x>laporan.pdf", "_b onmouseover_x_laporan.pdf"),
        ("laporan\u202eexe.pdf", "laporanexe.pdf"),
        ("", "dokumen.pdf"),
        ("a" * 400 + ".pdf", "a" * 146 + ".pdf"),
    ],
)
def test_sanitize_filename(raw, clean):
    assert e.sanitize_filename(raw) == clean


def test_duplicate_upload_tells_which_file(evaluation, operator):
    small_framework(evaluation.period)
    data = make_pdf()
    evidence_svc.upload_evidence(
        evaluation=evaluation,
        by=operator,
        uploaded_file=upload(data, "Perwal 12.pdf"),
        title="Perwal SPBE",
    )
    with pytest.raises(ValidationError) as exc:
        evidence_svc.upload_evidence(
            evaluation=evaluation, by=operator, uploaded_file=upload(data, "lagi.pdf")
        )
    assert exc.value.code == "duplicate"
    assert exc.value.messages[0].startswith(
        "This file is already in your evidence library as “Perwal SPBE” (uploaded "
    )
    assert exc.value.messages[0].endswith("Link that file instead.")


def test_bad_upload_leaves_library_untouched(evaluation, operator):
    small_framework(evaluation.period)
    good = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    with pytest.raises(ValidationError):
        evidence_svc.upload_evidence(
            evaluation=evaluation, by=operator, uploaded_file=upload(b"not a pdf")
        )
    assert list(evaluation.evidence.all()) == [good]


@pytest.mark.django_db
def test_upload_evidence_failure_after_storing_leaves_no_file(evaluation, operator, monkeypatch):
    """A write that fails after the bytes were stored removes them with the rollback."""
    from django.core.files.storage import default_storage

    from evaluations.models import EvidenceFile

    small_framework(evaluation.period)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(evidence_svc, "record_event", broken)
    with pytest.raises(RuntimeError):
        evidence_svc.upload_evidence(
            evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
        )
    assert not EvidenceFile.objects.filter(evaluation=evaluation).exists()
    try:
        _dirs, files = default_storage.listdir(f"evidence/{evaluation.pk}")
    except FileNotFoundError:
        files = []
    assert files == []
    # The same upload without the failure stores exactly one file there.
    monkeypatch.undo()
    evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    assert len(default_storage.listdir(f"evidence/{evaluation.pk}")[1]) == 1


def test_a_20_mb_upload_is_checked_without_a_second_copy_in_memory():
    """Django keeps an upload over its memory limit in a temporary file; the check hashes
    it in chunks and lets pypdf read it where it lies, so the memory it takes stays
    near one copy of the file (pypdf's parsed content stream), not three (measured:
    20 MiB against 60 MiB when the file was read whole and joined)."""
    import hashlib
    import tracemalloc

    from django.core.files.uploadedfile import TemporaryUploadedFile

    from bench.pdfs import unique_pdf

    data = unique_pdf(20 * 1024 * 1024, "uji-memori")
    uploaded = TemporaryUploadedFile("Renstra besar.pdf", "application/pdf", len(data), None)
    uploaded.write(data)
    uploaded.seek(0)
    size = len(data)
    expected = hashlib.sha256(data).hexdigest()
    del data
    tracemalloc.start()
    try:
        checked = e.check_pdf(uploaded, max_bytes=25 * 1024 * 1024)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        uploaded.close()
    assert (checked.sha256, checked.page_count) == (expected, 1)
    assert peak < 1.5 * size, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB file"
