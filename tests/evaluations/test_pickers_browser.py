"""The extension form's institution picker in Chromium: typing narrows the options and a
single match is chosen."""

import os

import pytest

from tests import factories as f
from tests.browser import page_as

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_typing_narrows_the_institutions(
    live_server, browser, transactional_db, admin_user, period
):
    for name in ("Kota Bandung", "Kabupaten Bandung Barat", "Kota Surabaya"):
        f.InstitutionFactory(name=name)
    page = page_as(browser, live_server, admin_user, bypass_csp=False)
    page.goto(f"{live_server.url}/monitoring/extensions/grant/?period={period.pk}")
    box = page.get_by_label("Find the institution (part of its name or code)")
    box.fill("bandung")
    options = page.locator("select[data-filter] option[value]:not([value=''])")
    assert sorted(options.all_inner_texts())[0].startswith("Kabupaten Bandung Barat")
    assert options.count() == 2
    page.get_by_text("2 institutions match").wait_for()
    box.fill("surabaya")
    assert options.count() == 1
    page.get_by_text("1 institution matches").wait_for()
    chosen = page.eval_on_selector("select[data-filter]", "s => s.selectedOptions[0].textContent")
    assert chosen.startswith("Kota Surabaya")
    if SHOTS:
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=f"{SHOTS}/extension-picker-390.png", full_page=True)
        page.set_viewport_size({"width": 1366, "height": 768})
        page.screenshot(path=f"{SHOTS}/extension-picker-1366.png", full_page=True)
