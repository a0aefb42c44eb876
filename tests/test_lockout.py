"""Sign-in limits behind the TLS proxy: a username is locked only from the address that
failed, an address that sprays many usernames must wait, and the page says how long."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory
from django.urls import reverse

from spbe_portal.client_ip import client_ip

PASSWORD = "pass-12345"  # tests.factories.UserFactory's password
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.9"
REAL_USER = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_COUNT = 1
    return settings


def _login(client, username, password, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "192.0.2.1"),
        (0, "203.0.113.9", "192.0.2.1"),  # no proxy configured: the header is ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # a forged entry on the left
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
        (2, "203.0.113.9", "192.0.2.1"),  # fewer entries than proxies: trust nothing
        (1, "not-an-address", "192.0.2.1"),
    ],
)
def test_client_ip_from_trusted_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_attacker_cannot_lock_the_real_user_out(behind_proxy, supervisor):
    attacker = Client()
    for _ in range(5):
        _login(attacker, "supervisor", "guess-password", ATTACKER)
    locked = _login(attacker, "supervisor", PASSWORD, ATTACKER)
    assert locked.status_code == 429
    assert SESSION_KEY not in attacker.session
    assert "Please try again in 15 minutes." in locked.content.decode()
    assert 880 < int(locked["Retry-After"]) <= 900

    # The real supervisor, behind the same proxy, still signs in.
    real = Client()
    response = _login(real, "supervisor", PASSWORD, REAL_USER)
    assert response.status_code == 302
    assert int(real.session[SESSION_KEY]) == supervisor.pk


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_move_the_lock_onto_the_victim(behind_proxy, supervisor):
    attacker = Client()
    for _ in range(6):
        _login(attacker, "supervisor", "guess-password", f"{REAL_USER}, {ATTACKER}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert _login(Client(), "supervisor", PASSWORD, REAL_USER).status_code == 302


@pytest.mark.django_db
def test_lockout_page_shows_the_time_left(behind_proxy, supervisor):
    client = Client()
    for _ in range(5):
        _login(client, "supervisor", "guess-password", ATTACKER)
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11))
    response = _login(client, "supervisor", PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert "Please try again in 4 minutes." in response.content.decode()
    # After the cool-off the right password works again from that address.
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert _login(client, "supervisor", PASSWORD, ATTACKER).status_code == 302


@pytest.mark.django_db
def test_an_address_spraying_usernames_must_wait(behind_proxy, operator, supervisor, assessor):
    behind_proxy.LOGIN_FAILURES_PER_ADDRESS = 3
    sprayer = Client()
    for username in ("operator", "assessor", "coordinator"):
        assert _login(sprayer, username, "Musim2019!", ATTACKER).status_code == 200
    response = _login(sprayer, "supervisor", PASSWORD, ATTACKER)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-ins came from your network" in html
    assert "Please try again in" in html
    assert SESSION_KEY not in sprayer.session
    # Another address is not affected, nor are the usernames themselves.
    assert _login(Client(), "supervisor", PASSWORD, REAL_USER).status_code == 302


@pytest.mark.django_db
def test_lockout_message_in_indonesian(behind_proxy, supervisor):
    client = Client()
    client.cookies["django_language"] = "id"
    for _ in range(5):
        _login(client, "supervisor", "guess-password", ATTACKER)
    html = _login(client, "supervisor", PASSWORD, ATTACKER).content.decode()
    assert "Silakan coba lagi dalam 15 menit." in html
    assert "jaringan lain" in html


@pytest.mark.django_db
def test_a_cache_failure_lifts_the_address_limit_but_sign_in_works(
    behind_proxy, supervisor, monkeypatch
):
    class Unreachable:
        def __getattr__(self, name):
            def down(*args, **kwargs):
                raise ConnectionError("redis unreachable")

            return down

    monkeypatch.setattr("spbe_portal.throttle.cache", Unreachable())
    assert _login(Client(), "supervisor", "guess-password", ATTACKER).status_code == 200
    assert _login(Client(), "supervisor", PASSWORD, REAL_USER).status_code == 302
