"""Checks of an uploaded evidence file, on the server, by its bytes.

A file is accepted only when it is a PDF by its magic bytes *and* pypdf can parse
it, it is not encrypted, it has at least one page and at most
settings.EVIDENCE_MAX_BYTES bytes. The name the browser sent is only sanitised for
display; the storage name is the model's unguessable `upload_to`.
Each refusal is a ValidationError with one of the message constants below.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

FILE_EMPTY = _("The file “%(name)s” is empty. Choose the PDF again and upload it.")
FILE_TOO_LARGE = _(
    "The file “%(name)s” is %(size)s; the limit is %(limit)s. Split it or reduce its size."
)
FILE_NOT_PDF = _(
    "The file “%(name)s” is not a PDF (its content is not PDF, whatever its name). "
    "Save or export it as PDF and upload it again."
)
FILE_CORRUPT = _(
    "The file “%(name)s” is damaged or incomplete and cannot be read as a PDF. "
    "Export it again and upload the new file."
)
FILE_ENCRYPTED = _(
    "The file “%(name)s” is protected with a password or encrypted. Upload a copy "
    "without protection so the assessors can open it."
)
FILE_NO_PAGES = _("The file “%(name)s” has no pages.")

PDF_MAGIC = b"%PDF-"
EOF_MARKER = b"%%EOF"
_UNSAFE = re.compile(r"[^\w\s.,()\[\]+&'-]", re.UNICODE)


@dataclass(frozen=True)
class CheckedPdf:
    name: str  # sanitised original name, for display
    size: int
    sha256: str
    page_count: int


def sanitize_filename(name: str, max_length: int = 150) -> str:
    """A readable, safe display name: no path, no control or markup characters, ends in .pdf."""
    name = unicodedata.normalize("NFKC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    stem = stem.strip(" .")[: max_length - 4] or "dokumen"
    return f"{stem}.pdf"


def _read(uploaded_file) -> bytes:
    uploaded_file.seek(0)
    chunks = list(uploaded_file.chunks())
    uploaded_file.seek(0)
    return b"".join(chunks)


def check_pdf(uploaded_file, *, max_bytes: int | None = None) -> CheckedPdf:
    """Check an uploaded file and return its facts, or raise ValidationError (see module doc)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    name = sanitize_filename(getattr(uploaded_file, "name", "") or "")
    limit = settings.EVIDENCE_MAX_BYTES if max_bytes is None else max_bytes
    size = uploaded_file.size or 0
    if size == 0:
        raise ValidationError(FILE_EMPTY, code="empty", params={"name": name})
    if size > limit:
        raise ValidationError(
            FILE_TOO_LARGE,
            code="too_large",
            params={"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    data = _read(uploaded_file)
    # Acrobat accepts the header within the first 1024 bytes; so do we.
    if PDF_MAGIC not in data[:1024]:
        raise ValidationError(FILE_NOT_PDF, code="not_pdf", params={"name": name})
    # A file cut short in transfer loses its trailer: require the end marker near the end.
    if EOF_MARKER not in data[-2048:]:
        raise ValidationError(FILE_CORRUPT, code="corrupt", params={"name": name})
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(FILE_ENCRYPTED, code="encrypted", params={"name": name})
        page_count = len(reader.pages)
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise ValidationError(FILE_CORRUPT, code="corrupt", params={"name": name}) from None
    except Exception:  # pypdf raises assorted errors on hostile input
        raise ValidationError(FILE_CORRUPT, code="corrupt", params={"name": name}) from None
    if page_count == 0:
        raise ValidationError(FILE_NO_PAGES, code="no_pages", params={"name": name})
    return CheckedPdf(
        name=name, size=size, sha256=hashlib.sha256(data).hexdigest(), page_count=page_count
    )
