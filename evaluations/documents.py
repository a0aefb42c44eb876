"""The portal's PDF documents: pure rendering, no writes.

Each document = a selector that loads its data in a constant number of queries
(`evaluations.selectors.reports`, `evaluations.selectors.national_report`) -> charts
(SVG, `evaluations.charts`) -> a template rendered to a string in the reader's
language -> WeasyPrint, with a URL fetcher that serves only our own static files (no
network while rendering).

`source_hash_for(kind, obj, language)` hashes the same data plus TEMPLATE_VERSION:
a READY report whose hash still matches is not rendered again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import mimetypes
import threading
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from evaluations import charts
from evaluations.models import Report
from evaluations.numbers import format_number
from evaluations.official import official_context
from evaluations.selectors.national_report import national_report_data
from evaluations.selectors.reports import institution_report_data, receipt_data

# Bump when a template, the stylesheet or the charts change what a document shows:
# every stored report's hash changes and the next request renders it again.
TEMPLATE_VERSION = "2026-12-02.1"

STATIC_ROOT_DIR = (Path(settings.BASE_DIR) / "static").resolve()
BASE_URL = STATIC_ROOT_DIR.as_uri() + "/"

# The footer's "Page X of Y" in the reader's language. Kept here rather than in the
# catalog because it is split around two CSS counters and must be right in every
# document whether or not the catalog has been compiled.
PAGE_WORDS = {"id": ("Halaman", "dari"), "en": ("Page", "of")}

TEMPLATES = {
    Report.Kind.RECEIPT: "reports/receipt.html",
    Report.Kind.INSTITUTION: "reports/institution_report.html",
    Report.Kind.NATIONAL: "reports/national_report.html",
    Report.Kind.MINUTES: "reports/minutes.html",
}


# WeasyPrint is imported when the first document is rendered, not with the URL config:
# without its system libraries (Pango) the portal still starts, migrates and serves
# every page; only rendering a PDF fails.
@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves `file:` URLs inside static/ only; anything else (http, data outside,
        ../ escapes) is refused, so rendering never touches the network."""

        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme != "file":
                raise ValueError(f"Refusing to fetch {url!r} while rendering a report.")
            path = Path(unquote(parsed.path)).resolve()
            if not path.is_relative_to(STATIC_ROOT_DIR) or not path.is_file():
                raise ValueError(f"Refusing to fetch {url!r}: not one of our static files.")
            mime, _ = mimetypes.guess_type(path.name)
            return URLFetcherResponse(
                path.as_uri(),
                body=path.read_bytes(),
                headers={"Content-Type": mime or "application/octet-stream"},
            )

    return StaticOnlyFetcher


def __getattr__(name: str):
    if name == "StaticOnlyFetcher":
        return _fetcher_class()
    raise AttributeError(name)


_fonts = threading.local()


def font_config():
    """This thread's WeasyPrint font configuration, made once and reused.

    Every document embeds the DejaVu fonts of static/fonts (report.css's @font-face).
    Without a configuration to reuse, WeasyPrint makes one per document and loads both
    fonts into it again: about a tenth of a receipt's rendering time. One per thread,
    since a configuration records the fonts it has loaded and is not made to be shared
    between threads (the application servers' threads may render too).
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint with our base URL, the static-only fetcher and the thread's fonts."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher_class()())
    return document.write_pdf(font_config=font_config())


# ---------------------------------------------------------------------------
# Data and hash
# ---------------------------------------------------------------------------


def document_data(kind: str, obj, language: str) -> dict:
    """The data a document is rendered from (labels in `language`)."""
    with translation.override(language):
        if kind == Report.Kind.RECEIPT:
            return receipt_data(evaluation_id=obj.pk)
        if kind == Report.Kind.INSTITUTION:
            return institution_report_data(evaluation_id=obj.pk)
        if kind == Report.Kind.NATIONAL:
            return national_report_data(period_id=obj.pk)
        if kind == Report.Kind.MINUTES:
            from evaluations.selectors.meetings import minutes_data

            return minutes_data(meeting_id=obj.pk)
    raise ValueError(f"No document of kind {kind!r}.")


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def hash_data(kind: str, data: dict, language: str) -> str:
    payload = json.dumps(
        {"v": TEMPLATE_VERSION, "kind": str(kind), "language": language, "data": data},
        sort_keys=True,
        default=_json_default,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def source_hash_for(kind: str, obj, language: str) -> str:
    """sha256 of the data a document would be rendered from and the template version."""
    return hash_data(kind, document_data(kind, obj, language), language)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _index_text(value) -> str:
    """An index as the tables show it, in the active language (2,64 in Indonesian)."""
    return format_number(value)


def _charts(kind: str, data: dict) -> dict:
    if kind == Report.Kind.INSTITUTION:
        aspects = data["aspects"]
        return {
            "radar": mark_safe(
                charts.radar_svg(
                    [a["code"] for a in aspects],
                    [
                        (gettext("Self-assessed"), [a["self"] for a in aspects]),
                        (gettext("Validated"), [a["final"] for a in aspects]),
                    ],
                    title=gettext("Aspect index: self-assessed and validated"),
                    size=300,
                )
            )
        }
    if kind == Report.Kind.NATIONAL:
        return {
            "by_predicate": mark_safe(
                charts.column_svg(
                    [(r["name"], r["count"]) for r in data["by_predicate"]],
                    title=gettext("Institutions by predicate"),
                )
            ),
            "by_kind": mark_safe(
                charts.bar_svg(
                    [(r["kind"], r["index"] or 0) for r in data["by_kind"]],
                    maximum=5,
                    value_format=_index_text,
                    title=gettext("Index by kind of institution"),
                )
            ),
            "by_province": mark_safe(
                charts.bar_svg(
                    [(r["name"], r["index"] or 0) for r in data["by_province"]],
                    maximum=5,
                    width=520,
                    label_width=230,
                    value_format=_index_text,
                    title=gettext("Index by province"),
                )
            ),
        }
    return {}


def _html(kind: str, data: dict, language: str, issued=None) -> str:
    with translation.override(language):
        context = {
            "data": data,
            "charts": _charts(kind, data),
            "language": language,
            "page_words": PAGE_WORDS.get(language, PAGE_WORDS["en"]),
            "official": official_context(issued),
        }
        return render_to_string(TEMPLATES[kind], context)


def render_document(kind: str, data: dict, language: str, *, issued=None) -> bytes:
    """Render already loaded `data` (from `document_data`) to PDF bytes; `issued` (an
    IssuedDocument) gives the number, date of issue and verification QR code."""
    return html_to_pdf(_html(kind, data, language, issued))


def render_html(kind: str, obj, language: str) -> str:
    """The HTML of a document (the benchmark renders it with plain WeasyPrint)."""
    return _html(kind, document_data(kind, obj, language), language)


def render_receipt_pdf(evaluation, language: str) -> bytes:
    kind = Report.Kind.RECEIPT
    return render_document(kind, document_data(kind, evaluation, language), language)


def render_institution_report_pdf(evaluation, language: str) -> bytes:
    kind = Report.Kind.INSTITUTION
    return render_document(kind, document_data(kind, evaluation, language), language)


def render_national_report_pdf(period, language: str) -> bytes:
    kind = Report.Kind.NATIONAL
    return render_document(kind, document_data(kind, period, language), language)


def slug_part(text: str) -> str:
    """'Kota Denpasar' -> 'Kota-Denpasar' (letters, digits and dashes only)."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text)
    return "-".join(cleaned.split())


def filename_for(kind: str, *, evaluation=None, period=None, language: str = "id") -> str:
    """Download names, e.g. Laporan-Evaluasi-SPBE-2019-Kota-Denpasar.pdf."""
    period = period or evaluation.period
    suffix = "" if language == "id" else f"-{language.upper()}"
    if kind == Report.Kind.RECEIPT:
        name = f"Tanda-Terima-SPBE-{period.year}-{slug_part(evaluation.institution.name)}"
        return f"{name}-{evaluation.submission_count}{suffix}.pdf"
    if kind == Report.Kind.INSTITUTION:
        return (
            f"Laporan-Evaluasi-SPBE-{period.year}-{slug_part(evaluation.institution.name)}"
            f"{suffix}.pdf"
        )
    if kind == Report.Kind.NATIONAL:
        return f"Laporan-Nasional-SPBE-{period.year}{suffix}.pdf"
    if kind == Report.Kind.MINUTES:
        return (
            f"Berita-Acara-SPBE-{period.year}-{slug_part(evaluation.institution.name)}{suffix}.pdf"
        )
    if kind == Report.Kind.ARCHIVE:
        return f"Laporan-Evaluasi-SPBE-{period.year}-Semua-Instansi{suffix}.zip"
    raise ValueError(f"No file name for {kind!r}.")
