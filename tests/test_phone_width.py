"""Every page of every role fits a phone (390 px) and cuts no table on a desktop (1366 px).

The world is the permission matrix's (each GET row's own setup); each role's site is
crawled from its home with the test client, following links, one URL per page (view);
each page is then opened in Chromium, in Indonesian, at both widths.

- 390 px: `document.documentElement.scrollWidth` must not exceed the screen, and no
  element may stick out of it. A table that scrolls inside its own focusable box does
  not widen the page (lists are cards on a phone; only a real grid stays a table).
- 1366 px: the same, and no table may be cut by the box that holds it (no scrolling
  sideways to read a table on a desktop).

The pages whose controls show in one state only (editable answers, an assessment to
approve) are opened again in that state (`state_pages`, shared with the axe test).

A failure lists, by width, role and URL, the outermost elements that stick out.
SCREENSHOT_DIR=<dir> saves every page at both widths there (390-<role>-<view>.png ...)
and the list of problems as phone-width.txt.
"""

import contextlib
import os
from collections import deque

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from evaluations.models import Evaluation
from tests.auth_helpers import force_login
from tests.test_crawl import SKIP_PREFIXES, _links
from tests.test_permissions import ALL_ROWS
from tests.test_permissions import cast as cast

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)
ROLES = ("operator", "supervisor", "assessor", "coordinator", "admin")
MAX_PAGES_PER_ROLE = 80
# The elements sticking out of the viewport (the outermost of each, not inside a box
# that scrolls or clips), and the tables cut by the box that holds them.
LAYOUT_PROBLEMS = """() => {
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    [...el.classList].slice(0, 3).map((c) => "." + c).join("");
  // Clipped by a box that scrolls or hides: only a box of its containing-block chain
  // clips an element (an absolute one escapes a static scroll box, a fixed one all).
  const clipped = (el) => {
    let position = getComputedStyle(el).position;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (position === "fixed" || (position === "absolute" && style.position === "static")) {
        continue;
      }
      if (style.overflowX !== "visible") return true;
      position = style.position;
    }
    return false;
  };
  const sticksOut = (el) => el.getBoundingClientRect().right > width + 1 && !clipped(el);
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || !sticksOut(el)) continue;
    const parent = el.parentElement;
    if (parent && parent !== document.body && sticksOut(parent)) continue;
    found.push(`${name(el)} ends at ${Math.round(box.right)} px`);
  }
  if (width >= 1200) {
    for (const table of document.querySelectorAll("table")) {
      let box = table.parentElement;
      while (box && box !== document.body && getComputedStyle(box).overflowX === "visible") {
        box = box.parentElement;
      }
      if (box && box !== document.body && box.scrollWidth > box.clientWidth + 1) {
        found.push(`${name(table)} is cut: ${box.scrollWidth} px in ${box.clientWidth} px`);
      }
    }
  }
  return found.slice(0, 6);
}"""
SHOTS = os.environ.get("SCREENSHOT_DIR")


def role_pages(client) -> dict[str, str]:
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


def signed_in_context(browser, live_server, client, *, width, language="id", **options):
    """A browser context `width` px wide with the session of `client`, in `language`."""
    context = browser.new_context(viewport={"width": width, "height": 844}, **options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    return context


def world(cast):
    """Every object the GET rows of the permission matrix need, so each page has content."""
    for row in ALL_ROWS:
        if row.method != "get" or row.headers:
            continue
        with contextlib.suppress(IntegrityError), transaction.atomic():
            row.setup(cast)


def state_pages(cast, pages_of: dict[str, dict[str, str]]) -> list[tuple[str, dict, dict]]:
    """Pages whose controls show in one state only, which the crawl's world is past:
    (role, status change of the evaluation, page -> (URL, a control it must show))."""
    ev = cast.evaluation.pk
    send_back = reverse("evaluations:assessment-send-back", args=[ev])
    editable = {"status": Evaluation.Status.IN_PROGRESS, "submitted_at": None}
    own = pages_of["operator"]
    return [
        # Editable answers: level choices, save buttons, evidence upload, continue link.
        (
            "operator",
            editable,
            {
                "evaluations:answer-edit (in progress)": (
                    own["evaluations:answer-edit"],
                    "form.answer-form button[type=submit]",
                ),
                "evaluations:institution-dashboard (in progress)": (
                    own["evaluations:institution-dashboard"],
                    ".countdown",
                ),
            },
        ),
        # A finished assessment: approve, and send back to the assessor.
        (
            "coordinator",
            {"status": Evaluation.Status.ASSESSED},
            {
                "evaluations:assessment-review (assessed)": (
                    reverse("evaluations:assessment-review", args=[ev]),
                    f"form[action='{send_back}'] button",
                )
            },
        ),
    ]


def _problems(page, width: int) -> list[str]:
    """What makes the page wider than `width`, or cuts a table: empty when it fits."""
    found = page.evaluate(LAYOUT_PROBLEMS)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        found.insert(0, f"the page is {scroll_width} px wide")
    return found


def _shoot(page, role: str, name: str, width: int) -> None:
    if SHOTS:
        slug = name.replace(":", "-").replace(" ", "-").replace("(", "").replace(")", "")
        page.screenshot(path=f"{SHOTS}/{width}-{role}-{slug}.png", full_page=True)


def _check(browser, live_server, client, urls: dict, role: str, problems: dict, widths) -> int:
    """Open `urls` (page -> URL, or (URL, a selector it must show)) at each of `widths`."""
    checked = 0
    for width in widths:
        context = signed_in_context(browser, live_server, client, width=width)
        page = context.new_page()
        for name, target in sorted(urls.items()):
            url, must_show = target if isinstance(target, tuple) else (target, None)
            page.goto(live_server.url + url)
            if must_show:
                assert page.locator(must_show).count(), f"{name}: no {must_show}"
            checked += 1
            found = _problems(page, width)
            if found:
                problems[(width, role, name)] = f"{url}: {'; '.join(found)}"
            _shoot(page, role, name, width)
        context.close()
    return checked


# One test per width, so that the test runner's workers share them.
@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_of_any_role_is_wider_than_a_phone_or_cut_on_a_desktop(
    live_server, browser, transactional_db, cast, width
):
    world(cast)
    problems: dict[tuple[int, str, str], str] = {}
    checked = 0
    clients, pages_of = {}, {}
    for role in ROLES:
        clients[role] = force_login(Client(), getattr(cast, role))
        pages_of[role] = role_pages(clients[role])
        checked += _check(
            browser, live_server, clients[role], pages_of[role], role, problems, [width]
        )
    for role, change, urls in state_pages(cast, pages_of):
        Evaluation.objects.filter(pk=cast.evaluation.pk).update(**change)
        checked += _check(browser, live_server, clients[role], urls, role, problems, [width])
    tally = [f"{checked} page views checked at {width} px, {len(problems)} with a problem"]
    tally += [f"{w} {role} {name} {text}" for (w, role, name), text in sorted(problems.items())]
    if SHOTS:
        with open(f"{SHOTS}/width-{width}.txt", "w") as handle:
            handle.write("\n".join(tally) + "\n")
    assert checked > 40  # the crawl reached the portal, not only a home page
    assert not problems, "\n".join(tally)
