"""Every page a role may open is reachable by links from that role's home.

The pages a role may open are the GET rows of the permission matrix that answer 200 for
it. The objects those rows need are created first (each row's own setup), then the
role's site is crawled from `/` with the test client, following every `<a href>` inside
the portal. Some rows need states that exclude each other (an evidence file can be
deleted only before the submission, a result is shown only after the release): a page
not reached in the first crawl is tried again in a world with only its own row's setup.
A page of the matrix that no link reaches even then fails the test.
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
from tests.test_permissions import ALL_ROWS
from tests.test_permissions import cast as cast

# Pages that are deliberately not reached by a link of the role's own site, and why.
NOT_LINKED = {
    # The link in the invitation email.
    "invitation-accept",
    # For the load balancer and the container health check, not for people.
    "healthz",
    # The address printed under the QR code of an official document (PDF).
    "evaluations:document-verify",
    # Fragments polled by htmx from the pages that show a report's or a bulk run's state.
    "evaluations:report-status",
    "evaluations:period-reports-progress",
}
# Per role: an evidence file that no answer cites is listed only in the institution's own
# library; the other roles reach files through the answers that cite them.
NOT_LINKED_FOR = {
    role: {"evaluations:evidence-download", "evaluations:evidence-view"}
    for role in ("assessor", "coordinator", "admin")
}
CRAWLED_ROLES = ("operator", "supervisor", "assessor", "coordinator", "admin")
MAX_PAGES = 600
SKIP_PREFIXES = ("/static/", "/admin/", "/accounts/logout/", "/i18n/")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _links(base: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        if href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        url = urlsplit(urljoin(base, href))
        if url.netloc not in ("", "testserver"):
            continue
        found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


def _crawl(client, stop_at: str | None = None) -> set[str]:
    """The URL names reached from the home page by links (GET, HTML pages only)."""
    reached: set[str] = set()
    seen: set[str] = set()
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        path = url.split("?")[0]
        # One visit per path and per query shape: filters and pages are not new pages.
        query = url.split("?", 1)[1] if "?" in url else ""
        key = path + "?" + ",".join(sorted(re.findall(r"(\w+)=", query)))
        if key in seen or path.startswith(SKIP_PREFIXES):
            continue
        seen.add(key)
        try:
            match = resolve(path)
        except Resolver404:
            continue
        response = client.get(url, follow=True)
        if response.status_code != 200:
            continue
        reached.add(match.view_name)
        if stop_at in reached:
            break
        for hop, _status in response.redirect_chain:
            with contextlib.suppress(Resolver404):
                reached.add(resolve(urlsplit(hop).path).view_name)
        if response.get("Content-Type", "").startswith("text/html"):
            final = response.request["PATH_INFO"]
            queue.extend(_links(final, response.content.decode()))
    return reached


def _set_up(cast, rows) -> None:
    for row in rows:
        try:
            with transaction.atomic():
                row.setup(cast)
        except IntegrityError:
            pass  # the object this row needs exists already


@pytest.mark.django_db
@pytest.mark.parametrize("role", CRAWLED_ROLES)
def test_every_page_of_a_role_is_linked_from_its_home(client, cast, role):
    rows = [
        row
        for row in ALL_ROWS
        if row.method == "get" and not row.headers and row.expect[role] == 200
    ]
    pages = {row.url_name for row in rows} - NOT_LINKED - NOT_LINKED_FOR.get(role, set())
    logged_in(client, getattr(cast, role))
    everything = transaction.savepoint()
    _set_up(cast, rows)
    reached = _crawl(client)
    transaction.savepoint_rollback(everything)
    for name in sorted(pages - reached):
        for row in (r for r in rows if r.url_name == name):
            alone = transaction.savepoint()
            for obj in (cast.evaluation, cast.other_evaluation):
                obj.refresh_from_db()
            _set_up(cast, [row])
            reached |= _crawl(client, stop_at=name)
            transaction.savepoint_rollback(alone)
            if name in reached:
                break
    missing = sorted(pages - reached)
    assert missing == [], "\n".join(missing)
