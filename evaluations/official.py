"""What makes a PDF an official document: the number scheme, the letterhead and
signature block (from settings.OFFICIAL_DOCUMENTS) and the QR code of the public
verification page printed in every page footer. Pure functions, no writes: numbers
are allocated by `evaluations.services.official`.
"""

from __future__ import annotations

import re

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import dateformat
from django.utils.safestring import mark_safe

from evaluations.models import Report
from evaluations.wib import to_wib

# Two letters per kind, from the Indonesian names: Tanda Terima, Laporan Evaluasi,
# Laporan Nasional, Berita Acara.
KIND_CODES = {
    Report.Kind.RECEIPT: "TT",
    Report.Kind.INSTITUTION: "LE",
    Report.Kind.NATIONAL: "LN",
    Report.Kind.MINUTES: "BA",  # Berita Acara
}
NUMBERED_KINDS = frozenset(KIND_CODES)
# What a number may look like in a URL: letters, digits and dashes, nothing else.
NUMBER_PATTERN = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")


def format_number(kind: str, year: int, sequence: int) -> str:
    """SPBE-TT-2026-00042: prefix, kind, year of issue, sequence within kind and year."""
    prefix = settings.OFFICIAL_DOCUMENTS["number_prefix"]
    return f"{prefix}-{KIND_CODES[kind]}-{year}-{sequence:05d}"


def verification_url(number: str) -> str:
    """The absolute address printed under the QR code."""
    path = reverse("evaluations:document-verify", kwargs={"number": number})
    return settings.SITE_URL.rstrip("/") + path


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (no file, no fetch while rendering)."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=2, border=1, omitsize=True, title=url)


def issue_date_text(issued_at) -> str:
    """'1 Desember 2026': the date line of the signature block, month named in the
    active language."""
    return dateformat.format(to_wib(issued_at), "j F Y")


def official_context(issued) -> dict:
    """The letterhead, signature block and verification footer of one issued document
    (`issued` is an IssuedDocument, or None for a preview with no number)."""
    config = settings.OFFICIAL_DOCUMENTS
    context = {
        "ministry": config["ministry"],
        "address": config["address"],
        "logo": config["logo"],
        "official_title": config["official_title"],
        "official_name": config["official_name"],
        "official_nip": config["official_nip"],
        "place": config["place"],
        "number": "",
        "date": "",
        "verify_url": "",
        "qr": "",
    }
    if issued is not None:
        url = verification_url(issued.number)
        context.update(
            number=issued.number,
            place=issued.place,
            date=issue_date_text(issued.issued_at),
            verify_url=url,
            qr=mark_safe(qr_svg(url)),  # segno's own SVG markup of our own URL
        )
    return context
