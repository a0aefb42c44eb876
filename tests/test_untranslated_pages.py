"""No English on an Indonesian page: every page of every role, crawled in Indonesian.

The English text that must not appear is the catalog's own: every msgid whose Indonesian
translation differs from it. A page is read as people read it (text between tags, and
the title, aria-label, placeholder and alt attributes); a piece of text that is exactly
such a msgid, or contains a long one (four words or more), is an untranslated string.
Data (institution names, justifications typed by users) is Indonesian or a proper name,
so it does not trip the check.
"""

import contextlib
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve

from tests.conftest import logged_in
from tests.test_crawl import CRAWLED_ROLES, MAX_PAGES, SKIP_PREFIXES
from tests.test_i18n import PO_FILE, parse_po
from tests.test_permissions import ALL_ROWS
from tests.test_permissions import cast as cast

READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}")
# Words that are the same in both languages, or names (the language switch names English
# in English): an exact text node equal to these
# is not English left behind.
SHARED = {"English", "Email", "Total", "Status", "Login", "Dashboard", "No.", "PDF", "CSV", "OK"}


def english_texts() -> tuple[set[str], list[str]]:
    """(msgids to match a whole text, long msgids to find inside a text)."""
    whole, inside = set(), []
    for entry in parse_po(PO_FILE.read_text(encoding="utf-8"))[1:]:
        translated = entry.get("msgstr") or entry.get("msgstr[0]") or ""
        for msgid in (entry["msgid"], entry.get("msgid_plural")):
            if not msgid or msgid == translated or msgid in SHARED:
                continue
            for piece in PLACEHOLDER.split(msgid):
                piece = " ".join(piece.split()).strip(" .,:;()·—-")
                if len(piece) < 4 or not re.search(r"[a-z]", piece) or piece == translated:
                    continue
                if piece == " ".join(msgid.split()):
                    whole.add(piece)
                if len(piece.split()) >= 4:
                    inside.append(piece)
    return whole, sorted(set(inside), key=len, reverse=True)


class _Reader(HTMLParser):
    """Text nodes and read attributes of a page; scripts and styles skipped."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.hrefs: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        for name in READ_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data)


def untranslated(html: str, whole: set[str], inside: list[str]) -> set[str]:
    reader = _Reader()
    reader.feed(html)
    found = set()
    for text in reader.texts:
        text = " ".join(text.split())
        bare = text.strip(" .,:;()·—-")
        if bare in whole:
            found.add(bare)
            continue
        found.update(piece for piece in inside if piece in text)
    return found


def _pages(client, reader_hook) -> None:
    """Crawl the role's site from `/` (as the link crawl does) and hand every HTML page on."""
    seen: set[str] = set()
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        path = url.split("?")[0]
        query = url.split("?", 1)[1] if "?" in url else ""
        key = path + "?" + ",".join(sorted(re.findall(r"(\w+)=", query)))
        if key in seen or path.startswith(SKIP_PREFIXES):
            continue
        seen.add(key)
        try:
            resolve(path)
        except Resolver404:
            continue
        response = client.get(url, follow=True)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            continue
        html = response.content.decode()
        final = response.request["PATH_INFO"]
        reader_hook(final, html)
        reader = _Reader()
        reader.feed(html)
        for href in reader.hrefs:
            if href.startswith(("mailto:", "tel:", "javascript:", "#")):
                continue
            target = urlsplit(urljoin(final, href))
            if target.netloc in ("", "testserver"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))


def test_untranslated_check_finds_english_and_passes_indonesian():
    whole, inside = {"Save and next"}, ["Everything is complete and ready"]
    html = (
        '<p>Simpan</p><button title="Save and next">x</button>'
        "<p>Hore. Everything is complete and ready to submit.</p><script>'Save and next'</script>"
    )
    assert untranslated(html, whole, inside) == {"Save and next", inside[0]}
    assert untranslated("<p>Simpan dan lanjut</p>", whole, inside) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("role", CRAWLED_ROLES)
def test_no_english_on_any_indonesian_page(client, cast, role, settings):
    # The suite speaks English by default; here the portal's own first language.
    settings.LANGUAGE_CODE = "id"
    whole, inside = english_texts()
    rows = [r for r in ALL_ROWS if r.method == "get" and not r.headers and r.expect[role] == 200]
    logged_in(client, getattr(cast, role))
    for row in rows:
        with contextlib.suppress(IntegrityError), transaction.atomic():
            row.setup(cast)
    problems: dict[str, set[str]] = {}

    def check(url, html):
        assert '<html lang="id"' in html, url
        found = untranslated(html, whole, inside)
        if found:
            problems[url] = found

    _pages(client, check)
    assert problems == {}, "\n".join(f"{u}: {sorted(t)}" for u, t in sorted(problems.items()))
