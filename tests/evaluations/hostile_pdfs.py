"""A hostile upload set, written here with pypdf: each builder returns the bytes of one
file an attacker might send as evidence. The tests say what the portal does with each.
"""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from .selfeval_helpers import make_pdf


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _action(subtype: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action")})
    action[NameObject("/S")] = NameObject(subtype)
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value
    return action


def html_with_pdf_header_later() -> bytes:
    """An HTML page that also carries a PDF header inside its first kilobyte."""
    pdf = make_pdf()
    return b"<!doctype html><html><body><script>alert(document.cookie)</script>\n" + pdf


def document_javascript() -> bytes:
    """A script in the catalog's name tree, run by readers when the document opens."""
    writer = _writer()
    script = _action("/JavaScript", JS=TextStringObject("app.alert('document-level');"))
    names = ArrayObject([TextStringObject("greeting"), writer._add_object(script)])
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): names})}
    )
    return _bytes(writer)


def open_action_javascript() -> bytes:
    writer = _writer()
    script = _action("/JavaScript", JS=TextStringObject("app.alert('opened');"))
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(script)
    return _bytes(writer)


def page_aa_javascript() -> bytes:
    """A script on the page's open event (additional actions), not the catalog's."""
    writer = _writer()
    script = _action("/JavaScript", JS=TextStringObject("this.print();"))
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(script)})
    return _bytes(writer)


def launch_action() -> bytes:
    writer = _writer()
    launch = _action("/Launch", F=TextStringObject("cmd.exe"))
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(launch)
    return _bytes(writer)


def embedded_file() -> bytes:
    writer = _writer()
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 not really a program")
    return _bytes(writer)


def rich_media() -> bytes:
    writer = _writer()
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/RichMedia"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 100, 100)]),
            NameObject("/RichMediaContent"): DictionaryObject(),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _bytes(writer)


def xfa_form() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): TextStringObject("<xdp:xdp xmlns:xdp='x'/>"),
        }
    )
    return _bytes(writer)


def clean() -> bytes:
    return make_pdf(pages=2)


# name -> (builder, what the portal must do: "refused:<code>" or the active-content kinds)
HOSTILE_SET = {
    "html_with_pdf_header_later": (html_with_pdf_header_later, "refused:not_pdf"),
    "document_javascript": (document_javascript, ("javascript",)),
    "open_action_javascript": (open_action_javascript, ("javascript", "auto_action")),
    "page_aa_javascript": (page_aa_javascript, ("javascript", "auto_action")),
    "launch_action": (launch_action, ("auto_action", "launch")),
    "embedded_file": (embedded_file, ("embedded_file",)),
    "rich_media": (rich_media, ("rich_media",)),
    "xfa_form": (xfa_form, ("xfa",)),
    "clean": (clean, ()),
}
