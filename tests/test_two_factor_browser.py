"""In Chromium: every role signs in through the real pages with the demo authenticator
key, and an assessor without one enrols by the QR page."""

import os

import pytest

from tests.auth_helpers import current_code, enrol
from tests.browser import sign_in

pytestmark = pytest.mark.browser
PASSWORD = "pass-12345"  # tests.factories.UserFactory's password
SHOTS = os.environ.get("SCREENSHOT_DIR")

HOMES = {
    "operator": "/institution/",
    "supervisor": "/institution/",
    "assessor": "/assessor/",
    "coordinator": "/coordinator/",
    "admin_user": "/ministry/",
}


def test_every_role_signs_in_with_password_and_code(
    live_server, browser, transactional_db, request, evaluation
):
    for role, home in HOMES.items():
        user = request.getfixturevalue(role)
        device = enrol(user)
        page = sign_in(browser, live_server, user.username, PASSWORD, totp_device=device)
        assert page.url.startswith(live_server.url + home), (role, page.url)
        page.context.close()


def test_assessor_enrols_on_the_qr_page(live_server, browser, transactional_db, assessor):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = sign_in(browser, live_server, assessor.username, PASSWORD)
    assert "/accounts/two-factor/setup/" in page.url
    assert page.locator("img.two-factor-qr").evaluate("img => img.naturalWidth") > 0
    if SHOTS:
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SHOTS}/two-factor-setup-{width}.png", full_page=True)
    device = TOTPDevice.objects.get(user=assessor, confirmed=False)
    page.fill("input[name='code']", current_code(device))
    page.click("form:has(input[name='code']) button[type=submit]")
    page.wait_for_selector("ul.recovery-codes li")
    assert page.locator("ul.recovery-codes li").count() == 10
    page.click("text=I have kept them: continue")
    page.wait_for_url(f"{live_server.url}/assessor/")
