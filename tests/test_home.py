"""The home page sends every role to its own dashboard; healthz answers for the orchestrator."""

import pytest
from django.urls import reverse

from tests.conftest import logged_in

ROLE_DASHBOARDS = [
    ("operator", "evaluations:institution-dashboard"),
    ("supervisor", "evaluations:institution-dashboard"),
    ("assessor", "evaluations:assessor-queue"),
    ("coordinator", "evaluations:coordinator-dashboard"),
    ("admin_user", "evaluations:admin-dashboard"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "dashboard"), ROLE_DASHBOARDS)
def test_home_redirects_each_role_to_its_dashboard(client, request, role, dashboard):
    user = request.getfixturevalue(role)
    response = logged_in(client, user).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(dashboard)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "dashboard"), ROLE_DASHBOARDS)
def test_home_layout_shows_role_label_and_role_navigation(client, request, role, dashboard):
    """Checked on an accounts page, so the dashboards' own content does not matter here."""
    user = request.getfixturevalue(role)
    response = logged_in(client, user).get(reverse("password_change"))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        f'<span class="badge role-badge" title="Your role">{user.get_role_display()}</span>' in html
    )
    assert f'href="{reverse(dashboard)}"' in html  # the role's own navigation item
    assert ('href="/admin/"' in html) == user.is_ministry_admin


@pytest.mark.django_db
def test_home_sends_anonymous_users_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


@pytest.mark.django_db
def test_healthz_returns_ok_json(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["media"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_error_page_404_renders_in_portal_layout(client, operator):
    response = logged_in(client, operator).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="skip-link' in html
    assert reverse("home") in html


@pytest.mark.django_db
def test_error_page_403_explains_and_links_home(client, operator):
    response = logged_in(client, operator).get(reverse("evaluations:admin-dashboard"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Access denied" in html
    assert "contact the ministry's SPBE team" in html.replace("&#x27;", "'")


def test_error_page_500_renders_without_database_or_session(rf):
    from spbe_portal.views import server_error

    response = server_error(rf.get("/broken/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "Server error" in html
    assert "What you saved before is safe" in html
    assert "/static/css/app.css" in html


@pytest.mark.django_db
def test_portal_speaks_indonesian_even_to_an_english_browser(client, settings):
    settings.LANGUAGE_CODE = "id"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id"
    assert "Masuk" in response.content.decode()


@pytest.mark.django_db
def test_portal_speaks_english_when_the_user_chose_it(client, settings):
    settings.LANGUAGE_CODE = "id"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="id")
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()
