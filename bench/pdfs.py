"""Valid PDF files of a chosen size, made unique cheaply.

A one-page PDF whose content stream carries padding; `unique_pdf(size, tag)` swaps
a fixed-length marker for `tag`, so every upload has its own sha256 without
re-rendering (the xref offsets do not move because the marker length is fixed).
"""

from __future__ import annotations

import functools
import hashlib

MARKER = b"BENCHMARKER-" + b"0" * 52  # 64 bytes


@functools.lru_cache(maxsize=64)
def _template(size: int) -> bytes:
    text = b"BT /F1 18 Tf 72 720 Td (Data dukung SPBE - dokumen uji) Tj ET\n"
    # Padding as a PDF comment block inside the content stream keeps the file valid.
    overhead = 700
    pad_len = max(0, size - overhead)
    padding = b"%" + MARKER + b"\n"
    line = b"% " + b"x" * 76 + b"\n"
    body = padding + line * (pad_len // len(line)) + text
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def unique_pdf(size: int, tag: str) -> bytes:
    """A valid PDF of about `size` bytes whose content is unique for `tag`."""
    digest = hashlib.sha256(tag.encode()).hexdigest().encode()  # 64 bytes
    return _template(size).replace(MARKER, digest, 1)
