"""Every page of every role at phone width (390 px): nothing wider than the screen.

The world is the permission matrix's (each GET row's own setup); each role's site is
crawled from its home with the test client, following links, one URL per page (view);
each page is then opened in Chromium, in Indonesian, 390 px wide, and
`document.documentElement.scrollWidth` must not exceed 390. A table that scrolls inside
its own box does not widen the page; a page that does is listed by role and URL.

KNOWN_WIDE lists the pages still wider than a phone (work left to do). The test fails
when another page becomes too wide, and when a listed page is fixed (take it off).
"""

import contextlib
import os
from collections import deque

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import Resolver404, resolve

from tests.auth_helpers import force_login
from tests.test_crawl import SKIP_PREFIXES, _links
from tests.test_permissions import ALL_ROWS
from tests.test_permissions import cast as cast

pytestmark = pytest.mark.browser

WIDTH = 390
ROLES = ("operator", "supervisor", "assessor", "coordinator", "admin")
MAX_PAGES_PER_ROLE = 80
# (role, view name) of the pages still wider than a phone: work left to do.
KNOWN_WIDE: set[tuple[str, str]] = {
    ("admin", "evaluations:admin-dashboard"),
    ("admin", "evaluations:extension-list"),
    ("admin", "evaluations:period-list"),
    ("admin", "evaluations:person-list"),
    ("admin", "institutions:detail"),
    ("coordinator", "evaluations:coordinator-dashboard"),
    ("coordinator", "evaluations:person-list"),
    ("supervisor", "evaluations:person-list"),
}
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _pages(client) -> dict[str, str]:
    """view name -> the first URL of it reached by links from the role's home."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    queue = deque(["/"])
    while queue and len(found) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        path = url.split("?")[0]
        if path in seen or path.startswith(SKIP_PREFIXES):
            continue
        seen.add(path)
        try:
            name = resolve(path).view_name
        except Resolver404:
            continue
        response = client.get(url, follow=True)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            continue
        final = response.request["PATH_INFO"]
        html = response.content.decode()
        if "<html" not in html[:300]:
            continue  # a fragment, not a page
        with contextlib.suppress(Resolver404):
            name = resolve(final).view_name
        query = response.request.get("QUERY_STRING", "")
        found.setdefault(name, final + (f"?{query}" if query else ""))
        queue.extend(_links(final, html))
    return found


def _world(cast):
    for row in ALL_ROWS:
        if row.method != "get" or row.headers:
            continue
        with contextlib.suppress(IntegrityError), transaction.atomic():
            row.setup(cast)


def test_no_page_of_any_role_is_wider_than_a_phone(live_server, browser, transactional_db, cast):
    _world(cast)
    wide: dict[tuple[str, str], str] = {}
    checked = 0
    for role in ROLES:
        client = force_login(Client(), getattr(cast, role))
        pages = _pages(client)
        context = browser.new_context(viewport={"width": WIDTH, "height": 844})
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                },
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": "id", "url": live_server.url},
            ]
        )
        page = context.new_page()
        for name, url in sorted(pages.items()):
            page.goto(live_server.url + url)
            width = page.evaluate("document.documentElement.scrollWidth")
            checked += 1
            if width > WIDTH:
                wide[(role, name)] = f"{url} is {width} px wide"
                if SHOTS:
                    page.screenshot(path=f"{SHOTS}/wide-{role}-{name.replace(':', '-')}.png")
        context.close()
    tally = [f"{checked} pages checked, {len(wide)} wider than {WIDTH} px"]
    tally += [f"{role} {name}: {text}" for (role, name), text in sorted(wide.items())]
    if SHOTS:
        with open(f"{SHOTS}/phone-width.txt", "w") as handle:
            handle.write("\n".join(tally) + "\n")
    assert checked > 40  # the crawl reached the portal, not only a home page
    new = sorted(set(wide) - KNOWN_WIDE)
    fixed = sorted(KNOWN_WIDE - set(wide))
    assert not new, "Wider than a phone:\n" + "\n".join(tally)
    assert not fixed, f"Fixed, take them off KNOWN_WIDE: {fixed}"
