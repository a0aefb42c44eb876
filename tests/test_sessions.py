"""Session limits: idle timeout (a setting), absolute lifetime, what counts as activity,
and the "stay signed in" endpoint."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from spbe_portal.sessions import LAST_SEEN, SIGNED_IN_AT
from tests.conftest import logged_in

DASHBOARD = "evaluations:institution-dashboard"


def _age(client, **seconds_ago):
    session = client.session
    now = time.time()
    if "last_seen" in seconds_ago:
        session[LAST_SEEN] = now - seconds_ago["last_seen"]
    if "signed_in" in seconds_ago:
        session[SIGNED_IN_AT] = now - seconds_ago["signed_in"]
    session.save()


@pytest.mark.django_db
def test_thirty_idle_minutes_sign_the_user_out(client, operator, evaluation):
    logged_in(client, operator)
    _age(client, last_seen=30 * 60 + 5)
    response = client.get(reverse(DASHBOARD), follow=True)
    login_url, _ = response.redirect_chain[0]
    assert login_url == reverse("login") + "?next=" + reverse(DASHBOARD).replace("/", "%2F")
    assert "signed out after 30 minutes without activity" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_activity_within_the_limit_keeps_the_session(client, operator, evaluation):
    logged_in(client, operator)
    _age(client, last_seen=29 * 60)
    assert client.get(reverse(DASHBOARD)).status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 5


@pytest.mark.django_db
def test_the_idle_limit_is_a_setting(client, operator, evaluation, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    logged_in(client, operator)
    _age(client, last_seen=61)
    assert client.get(reverse(DASHBOARD)).status_code == 302
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_polls_do_not_keep_a_session_alive_but_saves_do(client, operator, evaluation):
    logged_in(client, operator)
    _age(client, last_seen=10 * 60)
    client.get(reverse(DASHBOARD), HTTP_HX_REQUEST="true")
    assert time.time() - client.session[LAST_SEEN] > 9 * 60
    client.post(reverse("session-keepalive"))
    assert time.time() - client.session[LAST_SEEN] < 5


@pytest.mark.django_db
def test_background_request_after_the_limit_gets_401(client, operator, evaluation):
    logged_in(client, operator)
    _age(client, last_seen=31 * 60)
    response = client.get(reverse(DASHBOARD), HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["X-Session-Expired"] == "1"
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_twelve_hours_after_sign_in_the_session_ends_even_if_active(client, operator, evaluation):
    logged_in(client, operator)
    _age(client, last_seen=10, signed_in=12 * 3600 + 5)
    response = client.get(reverse(DASHBOARD), follow=True)
    assert "Your session ended; please sign in again." in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_keepalive_per_role(client, operator, assessor, admin_user):
    url = reverse("session-keepalive")
    assert client.post(url).status_code == 401
    for user in (operator, assessor, admin_user):
        logged_in(client, user)
        assert client.get(url).status_code == 405
        assert client.post(url).status_code == 204


@pytest.mark.django_db
def test_pages_carry_the_warning_with_the_limit(client, operator, evaluation, settings):
    settings.SESSION_IDLE_TIMEOUT = 900
    html = logged_in(client, operator).get(reverse(DASHBOARD)).content.decode()
    assert 'data-idle="900"' in html and 'data-warning="120"' in html
    assert "Your session will end in 2 minutes because of inactivity." in html
    assert "js/session.js" in html
