"""The site header from `{% navbar %}`: the same HTML as the header template rendered for
the request itself, reused across requests without carrying one request's CSRF token,
path or user into another's."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation

from evaluations.templatetags import fragments
from institutions.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

# Each render starts with the context's own CSRF token (a new mask for every context).
CACHED = Template("{{ csrf_token }}|{% load fragments %}{% navbar %}")
DIRECT = Template('{{ csrf_token }}|{% include "includes/_navbar.html" %}')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch, settings):
    settings.DEBUG = False
    monkeypatch.setattr(fragments, "_navbars", fragments.OrderedDict())


def _request(user, path):
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path.split("?")[0])
    request.user = user
    return request


def _render(template, request) -> tuple[str, str]:
    """(the context's CSRF token, the header)."""
    token, _, html = template.render(RequestContext(request)).partition("|")
    return token, html


def _both(request) -> tuple[str, str]:
    """The cached and the direct header for the same request, each with its own token
    replaced by the same stand-in."""
    cached_token, cached = _render(CACHED, request)
    direct_token, direct = _render(DIRECT, request)
    assert set(TOKEN.findall(cached)) == {cached_token}
    assert set(TOKEN.findall(direct)) == {direct_token}
    return cached.replace(cached_token, "T"), direct.replace(direct_token, "T")


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.OPERATOR, "evaluations:institution-dashboard"),
        (Role.SUPERVISOR, "evaluations:person-list"),
        (Role.ASSESSOR, "evaluations:assessor-queue"),
        (Role.COORDINATOR, "evaluations:consensus-list"),
        (Role.ADMIN, "evaluations:admin-dashboard"),
    ],
)
@pytest.mark.parametrize("language", ["id", "en"])
def test_cached_header_is_the_header_of_the_request(role, url, language):
    institution = f.InstitutionFactory(short_name="Pemkot Denpasar")
    university = f.UniversityFactory(short_name="UGM")
    user = f.UserFactory(
        role=role,
        first_name="Made",
        last_name="Wirawan",
        institution=institution if role in (Role.OPERATOR, Role.SUPERVISOR) else None,
        university=university if role in (Role.ASSESSOR, Role.COORDINATOR) else None,
    )
    with translation.override(language):
        for _ in range(2):  # the first renders and caches, the second reuses
            cached, direct = _both(_request(user, reverse(url) + "?sort=-name&q=<b>\"'"))
            assert cached == direct
    assert len(fragments._navbars) == 1


def test_anonymous_header_on_the_login_page_and_elsewhere():
    for path in (reverse("login"), reverse("home")):
        cached, direct = _both(_request(AnonymousUser(), path))
        assert cached == direct
    assert len(fragments._navbars) == 2


def test_each_request_gets_its_own_token_and_path(operator):
    token_first, html_first = _render(CACHED, _request(operator, "/institution/?a=1"))
    token_second, html_second = _render(CACHED, _request(operator, "/institution/?a=2"))
    assert token_first != token_second
    assert set(TOKEN.findall(html_first)) == {token_first}
    assert set(TOKEN.findall(html_second)) == {token_second}
    assert 'value="/institution/?a=1"' in html_first
    assert 'value="/institution/?a=2"' in html_second
    assert len(fragments._navbars) == 1


def test_a_renamed_institution_or_another_user_is_rendered_anew(operator, monkeypatch):
    renders = []
    real = fragments._render_header
    monkeypatch.setattr(fragments, "_render_header", lambda *a: renders.append(a) or real(*a))
    path = reverse("evaluations:institution-dashboard")
    _render(CACHED, _request(operator, path))
    _render(CACHED, _request(operator, path))
    assert len(renders) == 1
    operator.institution.short_name = "Kota Baru"
    operator.institution.save()
    _, html = _render(CACHED, _request(operator, path))
    assert "Kota Baru" in html and len(renders) == 2
    other = f.UserFactory(role=Role.OPERATOR, institution=operator.institution, first_name="Ni")
    _, html = _render(CACHED, _request(other, path))
    assert "Ni " in html and operator.get_full_name() not in html
    assert len(renders) == 3


def test_the_cache_keeps_the_most_recently_used_headers(operator, monkeypatch):
    monkeypatch.setattr(fragments, "NAVBAR_ENTRIES", 2)
    paths = [
        reverse("evaluations:institution-dashboard"),
        reverse("evaluations:result-list"),
        reverse("evaluations:follow-up-list"),
    ]
    for path in paths:
        _render(CACHED, _request(operator, path))
    views = [key[1] for key in fragments._navbars]
    assert views == ["evaluations:result-list", "evaluations:follow-up-list"]


def test_debug_renders_every_time(operator, settings, monkeypatch):
    settings.DEBUG = True
    renders = []
    real = fragments._render_header
    monkeypatch.setattr(fragments, "_render_header", lambda *a: renders.append(a) or real(*a))
    path = reverse("evaluations:institution-dashboard")
    for _ in range(2):
        _render(CACHED, _request(operator, path))
    assert len(renders) == 2 and not fragments._navbars
