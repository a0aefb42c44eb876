"""End to end in headless Chromium, from an empty cycle: the ministry admin opens a period
for all regencies of one province, imports the staff of two of them, and an invited
operator sets a password, signs in and sees the new period."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from evaluations.models import EvaluationPeriod
from institutions.models import User
from tests import factories as f
from tests.browser import page_as

pytestmark = pytest.mark.browser

WIB = dt.timezone(dt.timedelta(hours=7))
# Set SCREENSHOTS=<dir> to keep pictures of the new pages at phone and desktop width.
SHOTS = os.environ.get("SCREENSHOTS")


def _shoot(page, name):
    if not SHOTS:
        return
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def _wib(moment: dt.datetime) -> str:
    return moment.astimezone(WIB).strftime("%Y-%m-%dT%H:%M")


def test_admin_opens_a_period_imports_staff_and_an_operator_signs_in(
    live_server, browser, transactional_db, framework_2018, admin_user, tmp_path
):
    bali = f.ProvinceFactory(code="51", name="Provinsi Bali")
    jembrana = f.InstitutionFactory(
        code="5101", name="Kab. Jembrana", kind="kabupaten", province=bali
    )
    tabanan = f.InstitutionFactory(
        code="5102", name="Kab. Tabanan", kind="kabupaten", province=bali
    )
    f.InstitutionFactory(code="5103", name="Kab. Badung", kind="kabupaten", province=bali)
    f.InstitutionFactory(code="5171", name="Kota Denpasar", kind="kota", province=bali)
    ntb = f.ProvinceFactory(code="52", name="Provinsi Nusa Tenggara Barat")
    f.InstitutionFactory(code="5201", name="Kab. Lombok Barat", kind="kabupaten", province=ntb)
    now = timezone.now()

    # The admin opens the period from the navigation, previews it, then opens it.
    page = page_as(browser, live_server, admin_user)
    page.goto(f"{live_server.url}/ministry/")
    page.click("nav >> text=Periods")
    page.click("text=Open a period")
    page.fill("#id_name", "Pemantauan SPBE Bali")
    page.fill("#id_year", str(now.year))
    page.select_option("#id_framework", label=framework_2018.name)
    page.check("input[name=mode][value=monitoring]")
    page.fill("#id_opens_at", _wib(now - dt.timedelta(days=1)))
    page.fill("#id_deadline", _wib(now + dt.timedelta(days=30)))
    page.fill("#id_document_deadline", _wib(now + dt.timedelta(days=60)))
    page.check("input[name=scope][value=filter]")
    page.check("input[name=kinds][value=kabupaten]")
    page.select_option("#id_provinces", label="Provinsi Bali")
    page.click("button[value=preview]")
    page.wait_for_selector("#preview")
    assert "3 evaluations will be created." in page.inner_text("#preview")
    assert "Kota Denpasar" not in page.inner_text("#preview")
    _shoot(page, "period-open-preview")
    page.click("button[value=open]")
    page.wait_for_selector("text=is open: 3 institutions take part.")
    period = EvaluationPeriod.objects.get(name="Pemantauan SPBE Bali")
    assert sorted(period.evaluations.values_list("institution__code", flat=True)) == [
        "5101",
        "5102",
        "5103",
    ]
    _shoot(page, "period-detail")

    # The admin imports the staff of two of the regencies: a dry run, then the write.
    roster = tmp_path / "staf-bali.csv"
    roster.write_text(
        "name,email,role,code,phone\n"
        "Ni Made Ayu,ayu@jembranakab.go.id,operator,5101,0812\n"
        "I Wayan Sudi,sudi@jembranakab.go.id,supervisor,5101,\n"
        "Dewi Lestari,dewi@tabanankab.go.id,operator,5102,\n"
        "I Ketut Arta,arta@tabanankab.go.id,penanggung jawab,5102,\n"
    )
    page.click("nav >> text=People")
    page.click("text=Import from a file")
    page.set_input_files("#id_file", str(roster))
    page.click("button:has-text('Dry run')")
    page.wait_for_selector("#import-plan")
    assert "4 to create and invite" in page.inner_text("#import-plan")
    assert not User.objects.filter(email="ayu@jembranakab.go.id").exists()
    _shoot(page, "people-import-dry-run")
    page.click("text=Write these changes and send the invitations")
    page.wait_for_selector("text=Import done: 4 created and invited")
    _shoot(page, "people-list")
    assert User.objects.get(email="ayu@jembranakab.go.id").institution == jembrana
    assert User.objects.get(email="arta@tabanankab.go.id").institution == tabanan
    page.context.close()

    # The operator opens the link from the email, sets a password and signs in.
    (invitation,) = [
        m for m in mail.outbox if m.to == ["ayu@jembranakab.go.id"] and "/invitation/" in m.body
    ]
    path = re.search(r"https?://[^/\s]+(/accounts/invitation/[\w-]+/)", invitation.body).group(1)
    context = browser.new_context(locale="en-US")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    visitor = context.new_page()
    visitor.goto(f"{live_server.url}{path}")
    _shoot(visitor, "invitation")
    visitor.fill("#id_new_password1", "Jembrana-Bali-2027")
    visitor.fill("#id_new_password2", "Jembrana-Bali-2027")
    visitor.click("main button[type=submit]")
    visitor.wait_for_selector("text=Your password is set")
    visitor.fill("#id_username", "ayu@jembranakab.go.id")
    visitor.fill("#id_password", "Jembrana-Bali-2027")
    visitor.click("main button[type=submit]")
    visitor.wait_for_url(re.compile(r".*/institution/$"))
    assert "Pemantauan SPBE Bali" in visitor.inner_text("main")
    # The link works once.
    visitor.goto(f"{live_server.url}{path}")
    assert "already used" in visitor.inner_text("main")
    context.close()
