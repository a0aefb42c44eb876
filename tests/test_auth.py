"""Accounts: login, lockout, logout, password change and reset, the language switch."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from tests.auth_helpers import current_code, enrol
from tests.conftest import logged_in

PASSWORD = "pass-12345"  # tests.factories.UserFactory's password


def _login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


@pytest.mark.django_db
def test_auth_urls_are_served_under_accounts():
    for name in (
        "login",
        "logout",
        "password_change",
        "password_change_done",
        "password_reset",
        "password_reset_done",
        "password_reset_complete",
    ):
        assert reverse(name).startswith("/accounts/"), name
    confirm = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "set-password"})
    assert confirm.startswith("/accounts/reset/")


@pytest.mark.django_db
def test_auth_login_page_explains_the_portal_and_shows_the_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Who uses this portal:" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert reverse("password_reset") in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "dashboard"),
    [
        ("operator", "evaluations:institution-dashboard"),
        ("assessor", "evaluations:assessor-queue"),
        ("coordinator", "evaluations:coordinator-dashboard"),
        ("admin_user", "evaluations:admin-dashboard"),
    ],
)
def test_auth_login_lands_on_the_role_home(client, request, role, dashboard):
    user = request.getfixturevalue(role)
    device = enrol(user) if role != "operator" else None
    response = _login(client, user.username, PASSWORD)
    assert response["Location"] == reverse("home")
    assert int(client.session[SESSION_KEY]) == user.pk
    if device is not None:
        # Admins, coordinators and assessors give their second factor first.
        assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor-verify"))
        client.post(reverse("two-factor-verify"), {"code": current_code(device), "next": "/"})
    assert client.get(reverse("home"))["Location"] == reverse(dashboard)


@pytest.mark.django_db
def test_auth_login_honours_next(client, operator):
    response = client.post(
        reverse("login"),
        {"username": "operator", "password": PASSWORD, "next": reverse("password_change")},
    )
    assert response["Location"] == reverse("password_change")


@pytest.mark.django_db
def test_auth_wrong_password_shows_a_clear_message(client, operator):
    response = _login(client, "operator", "wrong-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The username or password is not correct." in html
    assert 'value="operator"' in html  # the username is kept, the password is not
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_auth_sixth_failed_attempt_is_locked_out(client, settings, operator):
    settings.AXES_ENABLED = True
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(1, 5):
        response = _login(client, "operator", "wrong-password")
        assert response.status_code == 200, attempt
        assert 'name="password"' in response.content.decode()

    _login(client, "operator", "wrong-password")  # the fifth failure reaches the limit
    response = _login(client, "operator", "wrong-password")

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed logins" in html
    assert "Please try again in 15 minutes." in html
    # While locked out, even the right password is refused.
    response = _login(client, "operator", PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_auth_lockout_does_not_hit_another_user(client, settings, operator, supervisor):
    settings.AXES_ENABLED = True
    for _ in range(6):
        _login(client, "operator", "wrong-password")

    response = _login(client, "supervisor", PASSWORD)

    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == supervisor.pk


@pytest.mark.django_db
def test_auth_logout_is_post_only(client, operator):
    logged_in(client, operator)
    assert client.get(reverse("logout")).status_code == 405
    assert SESSION_KEY in client.session

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_auth_navbar_offers_logout_as_a_form(client, operator):
    response = logged_in(client, operator).get(reverse("password_change"))
    assert re.search(
        r'<form method="post" action="' + re.escape(reverse("logout")) + '">',
        response.content.decode(),
    )


@pytest.mark.django_db
def test_auth_password_change_works(client, operator):
    logged_in(client, operator)
    assert client.get(reverse("password_change")).status_code == 200

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Rahasia-Baru-2026",
            "new_password2": "Rahasia-Baru-2026",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "Password changed" in response.content.decode()
    operator.refresh_from_db()
    assert operator.check_password("Rahasia-Baru-2026")


@pytest.mark.django_db
def test_auth_password_change_refuses_a_wrong_old_password(client, operator):
    response = logged_in(client, operator).post(
        reverse("password_change"),
        {
            "old_password": "nope",
            "new_password1": "Rahasia-2026!",
            "new_password2": "Rahasia-2026!",
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


@pytest.mark.django_db
def test_auth_password_reset_sends_a_working_link(client, operator):
    response = client.post(reverse("password_reset"), {"email": operator.email})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [operator.email]
    assert message.subject == "Reset your SPBE Evaluation Portal password"
    assert "\n" not in message.subject
    assert "Your username is operator." in message.body
    link = re.search(r"https?://testserver(/accounts/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Rahasia-Baru-2026", "new_password2": "Rahasia-Baru-2026"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert _login(client, "operator", "Rahasia-Baru-2026").status_code == 302
    # The link works once.
    assert "no longer valid" in client.get(link, follow=True).content.decode()


@pytest.mark.django_db
def test_auth_password_reset_for_an_unknown_address_sends_nothing(client, operator):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.go.id"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


@pytest.fixture
def compiled_catalog():
    """locale/id compiled (`make test` and `make run` do it; a bare pytest run may not have)."""
    po = settings.BASE_DIR / "locale" / "id" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        call_command("compilemessages", locale=["id"], ignore_patterns=[".venv"], verbosity=0)
        from django.utils import translation

        translation.trans_real._translations = {}  # drop catalogs loaded before compiling
        translation.trans_real._default = None


@pytest.mark.django_db
def test_auth_language_switch_sets_indonesian(client, compiled_catalog):
    page = client.get(reverse("login"))
    assert 'lang="en"' in page.content.decode()
    assert 'action="/i18n/setlang/"' in page.content.decode()

    response = client.post(
        reverse("set_language"), {"language": "id", "next": reverse("login")}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("login")
    html = response.content.decode()
    assert '<html lang="id">' in html
    # Strings from the portal's own catalog (locale/id), not Django's.
    assert "<title>Masuk · Portal SPBE</title>" in html
    assert "Siapa saja pengguna portal ini:" in html
    assert 'aria-pressed="true"' in html and 'value="id"' in html
