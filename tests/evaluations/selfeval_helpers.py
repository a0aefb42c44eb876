"""Helpers for the self-evaluation tests: a small framework on the period and PDFs."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from tests import factories as f


def make_pdf(pages: int = 1, *, password: str | None = None, marker: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if marker:
        writer.add_metadata({"/Title": marker})
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "SK Tim SPBE.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def small_framework(period, *, n: int = 3, multi: bool = True):
    """n indicators over two aspects on the period's framework; the last takes 3 entries."""
    framework = period.framework
    f.PredicateBandFactory(framework=framework, name="Kurang", lower_bound=Decimal("0"))
    f.PredicateBandFactory(framework=framework, name="Baik", lower_bound=Decimal("2.60"))
    domain = f.DomainFactory(framework=framework, code="D1", name="Kebijakan", order=1)
    a1 = f.AspectFactory(domain=domain, code="A1", name="Kebijakan Internal", order=1)
    a2 = f.AspectFactory(domain=domain, code="A2", name="Layanan", order=2)
    indicators = []
    for i in range(1, n + 1):
        last = i == n and multi
        indicators.append(
            f.IndicatorFactory(
                aspect=a1 if i <= max(1, n // 2) else a2,
                framework=framework,
                number=i,
                name=f"Indikator {i}",
                max_entries=3 if last else 1,
                entry_label="Layanan publik" if last else "",
            )
        )
    return indicators
