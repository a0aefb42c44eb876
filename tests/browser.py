"""Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by
Playwright (Playwright's own browser download does not work on these machines).

`browser` is a pytest fixture (registered in tests/conftest.py); `page_as(browser,
live_server, user)` opens a page already logged in as `user`, in English.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client

from tests.auth_helpers import force_login

# Playwright runs an event loop in the test thread; the ORM calls in tests are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps calling home, which this closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


NO_BROWSER = (
    "The browser tests need Chromium at {path}, which is missing. Install it with\n"
    "  sudo apt-get install -y chromium\n"
    "(or run `make test`, which installs it as root), or point CHROMIUM at another build."
)


@pytest.fixture
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(NO_BROWSER.format(path=CHROMIUM), pytrace=False)
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def page_as(browser, live_server, user, *, accept_dialogs: bool = False, bypass_csp: bool = True):
    """A fresh browser context logged in as `user` (session cookie from the test client).

    Playwright's page.wait_for_function evaluates its predicate with eval, which the
    portal's CSP refuses, so these contexts bypass the CSP by default; the CSP has its own
    tests (tests/test_csp_browser.py), and bypass_csp=False enforces it here too.
    """
    client = force_login(Client(), user)
    context = browser.new_context(locale="en-US", bypass_csp=bypass_csp)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()
    if accept_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())
    return page


def sign_in(browser, live_server, username: str, password: str, *, totp_device=None):
    """A fresh context signed in through the real pages: password, then (when the account
    has an authenticator) the current code, as seed_demo's demo accounts do."""
    from tests.auth_helpers import current_code

    context = browser.new_context(locale="en-US")
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    page.click("form:has(input[name='password']) button[type=submit]")
    page.wait_for_load_state()
    if totp_device is not None:
        page.fill("input[name='code']", current_code(totp_device))
        page.click("form:has(input[name='code']) button[type=submit]")
        page.wait_for_load_state()
    return page
