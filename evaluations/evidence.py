"""Checks of an uploaded evidence file, on the server, by its bytes.

A file is accepted only when it starts with the PDF header (`%PDF-` at byte 0) *and*
pypdf can parse it, it is not encrypted, it has at least one page and at most
settings.EVIDENCE_MAX_BYTES bytes. Active content (scripts, launch actions, embedded
files, rich media, XFA forms) does not refuse the file, since many honest office
exports carry some, but is recorded so the institution and the assessor see a warning;
the portal never lets a browser's own PDF viewer run it (see views/evidence_viewer.py).
The name the browser sent is only sanitised for display; the storage name is the
model's unguessable `upload_to`. Each refusal is a ValidationError with one of the
message constants below.
"""

from __future__ import annotations

import hashlib
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
    active_content: tuple[str, ...] = ()


# Kinds of active content, as stored on EvidenceFile.active_content, with their labels.
ACTIVE_CONTENT_KINDS = {
    "javascript": _("JavaScript"),
    "auto_action": _("an action that runs on opening (OpenAction or AA)"),
    "launch": _("a launch action (starts a program)"),
    "embedded_file": _("embedded files"),
    "rich_media": _("rich media (Flash or video)"),
    "xfa": _("an XFA form"),
}
# A PDF with more objects than this is not searched to the end (the upload is limited
# in bytes, not in objects); what was found so far is kept.
ACTIVE_CONTENT_MAX_OBJECTS = 200_000


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


# How much of the file's end is kept to look for the end marker.
TAIL_BYTES = 2048


def _scan(uploaded_file) -> tuple[bytes, bytes, str]:
    """The file's first bytes, its last TAIL_BYTES and its sha256, in one pass over its
    chunks: a 20 MB upload (on disk, as Django keeps files over its memory limit) is
    never held in memory whole for this."""
    digest = hashlib.sha256()
    head = tail = b""
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        if len(head) < len(PDF_MAGIC):
            head += chunk[: len(PDF_MAGIC) - len(head)]
        tail = (tail + chunk)[-TAIL_BYTES:]
        digest.update(chunk)
    uploaded_file.seek(0)
    return head, tail, digest.hexdigest()


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
    head, tail, sha256 = _scan(uploaded_file)
    # Only at byte 0: a header further down lets a file be both HTML and "PDF".
    if head != PDF_MAGIC:
        raise ValidationError(FILE_NOT_PDF, code="not_pdf", params={"name": name})
    # A file cut short in transfer loses its trailer: require the end marker near the end.
    if EOF_MARKER not in tail:
        raise ValidationError(FILE_CORRUPT, code="corrupt", params={"name": name})
    try:
        # pypdf reads the file where it lies (seeking), keeping only the objects it parses.
        reader = PdfReader(uploaded_file, strict=False)
        if reader.is_encrypted:
            raise ValidationError(FILE_ENCRYPTED, code="encrypted", params={"name": name})
        page_count = len(reader.pages)
        active = find_active_content(reader)
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise ValidationError(FILE_CORRUPT, code="corrupt", params={"name": name}) from None
    except Exception:  # pypdf raises assorted errors on hostile input
        raise ValidationError(FILE_CORRUPT, code="corrupt", params={"name": name}) from None
    finally:
        uploaded_file.seek(0)  # the storage reads it again from the start
    if page_count == 0:
        raise ValidationError(FILE_NO_PAGES, code="no_pages", params={"name": name})
    return CheckedPdf(
        name=name,
        size=size,
        sha256=sha256,
        page_count=page_count,
        active_content=active,
    )


def _is_action(obj, kinds: tuple[str, ...]) -> bool:
    """True when `obj` is (or chains through /Next to) an action of one of `kinds`."""
    from pypdf.generic import ArrayObject, DictionaryObject

    seen = 0
    pending = [obj]
    while pending and seen < 64:
        seen += 1
        item = pending.pop()
        item = item.get_object() if hasattr(item, "get_object") else item
        if isinstance(item, ArrayObject):
            pending.extend(item)
        elif isinstance(item, DictionaryObject):
            subtype = item.get("/S")
            if (subtype == "/JavaScript" and "javascript" in kinds) or (
                subtype == "/Launch" and "launch" in kinds
            ):
                return True
            if "/Next" in item:
                pending.append(item["/Next"])
    return False


def _is_embedded_file(obj) -> bool:
    return (
        obj.get("/Type") == "/EmbeddedFile"
        or "/EmbeddedFiles" in obj
        or obj.get("/Subtype") == "/FileAttachment"
    )


def _runs_on_open(obj) -> bool:
    """Whether the dictionary starts a script or a program by itself, without a click."""
    from pypdf.generic import ArrayObject, DictionaryObject

    # /OpenAction is an action (or a destination); /AA maps events to actions.
    for trigger_name in ("/OpenAction", "/AA"):
        trigger = obj[trigger_name].get_object() if trigger_name in obj else None
        if trigger_name == "/AA" and isinstance(trigger, DictionaryObject):
            trigger = ArrayObject(trigger.values())
        if trigger is not None and _is_action(trigger, ("javascript", "launch")):
            return True
    return False


def _dictionary_kinds(obj) -> set[str]:
    """The kinds of active content one dictionary declares (its children are walked apart)."""
    kinds = set()
    subtype = obj.get("/S")
    if "/JS" in obj or subtype == "/JavaScript" or "/JavaScript" in obj:
        kinds.add("javascript")
    if subtype == "/Launch":
        kinds.add("launch")
    if _is_embedded_file(obj):
        kinds.add("embedded_file")
    if obj.get("/Subtype") == "/RichMedia" or "/RichMediaContent" in obj:
        kinds.add("rich_media")
    if "/XFA" in obj:
        kinds.add("xfa")
    if _runs_on_open(obj):
        kinds.add("auto_action")
    return kinds


def _seen_before(obj, seen: set[tuple[int, int]]) -> bool:
    """Whether `obj` is a reference already followed (a cycle or a shared object);
    records it otherwise. A direct object is never "seen": it has no identity."""
    from pypdf.generic import IndirectObject

    if not isinstance(obj, IndirectObject):
        return False
    key = (obj.idnum, obj.generation)
    if key in seen:
        return True
    seen.add(key)
    return False


def find_active_content(reader) -> tuple[str, ...]:
    """The kinds of ACTIVE_CONTENT_KINDS found anywhere in the document's object graph.

    Walks every object reachable from the trailer (so objects inside object streams and
    names written with #-escapes count, which a byte search would miss).
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    pending: list = [reader.trailer]
    visited = 0
    while pending and visited < ACTIVE_CONTENT_MAX_OBJECTS:
        obj = pending.pop()
        if _seen_before(obj, seen):
            continue
        if isinstance(obj, IndirectObject):
            obj = obj.get_object()
        visited += 1
        if isinstance(obj, DictionaryObject):
            found |= _dictionary_kinds(obj)
            pending.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            pending.extend(obj)
    return tuple(kind for kind in ACTIVE_CONTENT_KINDS if kind in found)
