"""Every page of every role, opened in Chromium under the portal's Content-Security-Policy:
none may report a violation (an inline script or style, an eval, a foreign origin).

The pages are the URL x role matrix's GET rows (tests/permission_rows) with a 200 for the
role, so a new page is visited as soon as it has its matrix row; plus the pages of the
anonymous visitor and Django's admin site.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import logged_in
from tests.test_permissions import ALL_ROWS, cast  # noqa: F401 - the matrix's fixture

pytestmark = pytest.mark.browser

# Collects violations in the page itself; an init script is not subject to the page's CSP.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""

# Rows whose 200 is a file or a JSON answer, not a page.
NOT_PAGES = {
    "healthz",
    "evaluations:export-progress",
    "evaluations:export-download",
    "evaluations:report-download",
    "evaluations:evidence-download",
    "evaluations:follow-up-export",
}
PAGE_ROWS = [
    row
    for row in ALL_ROWS
    if row.method == "get"
    and not row.headers
    and 200 in row.expect.values()
    and row.url_name not in NOT_PAGES
]


@pytest.fixture(scope="module")
def chromium():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def violations_on(chromium, live_server, user, path: str) -> list[str]:
    """Open `path` as `user` (None: anonymous) and return the CSP violations it reported."""
    context = chromium.new_context(locale="en-US")
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    if user is not None:
        client = logged_in(Client(), user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append(
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}
        )
    context.add_cookies(cookies)
    context.add_init_script(LISTEN)
    page = context.new_page()
    console = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        page.goto(live_server.url + path, wait_until="networkidle")
        found = page.evaluate("window.__cspViolations") + console
    finally:
        context.close()
    return found


def _is_html(user, path: str) -> bool:
    response = logged_in(Client(), user).get(path)
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("row", PAGE_ROWS, ids=lambda r: r.id or r.url_name)
def test_no_csp_violation_on_any_page_of_any_role(chromium, live_server, cast, row):  # noqa: F811
    path = reverse(row.url_name, kwargs=row.setup(cast))
    visited = {}
    for role, expected in row.expect.items():
        user = getattr(cast, role)
        if expected != 200 or not _is_html(user, path):
            continue  # a download or an export: no page to render
        visited[role] = violations_on(chromium, live_server, user, path)
    assert visited, "no role could open this page as HTML"
    assert {role: found for role, found in visited.items() if found} == {}


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
    ],
)
def test_no_csp_violation_on_anonymous_pages(chromium, live_server, transactional_db, path):
    assert violations_on(chromium, live_server, None, path) == []


def test_no_csp_violation_on_the_admin_site(chromium, live_server, admin_user, transactional_db):
    for path in ["/" + settings.ADMIN_URL, "/" + settings.ADMIN_URL + "institutions/user/"]:
        assert violations_on(chromium, live_server, admin_user, path) == [], path


def test_no_csp_violation_on_the_two_factor_and_session_pages(
    chromium, live_server, transactional_db, assessor, admin_user
):
    assert violations_on(chromium, live_server, assessor, "/accounts/two-factor/setup/") == []
    reset = reverse("two-factor-reset", args=[assessor.pk])
    assert violations_on(chromium, live_server, admin_user, reset) == []


def test_the_check_itself_catches_an_inline_script(chromium, live_server, transactional_db):
    """The detector is live: an injected inline script is blocked and reported."""
    context = chromium.new_context()
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/", wait_until="networkidle")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.append(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert "script-src" in page.evaluate("window.__cspViolations")[0]
    context.close()
