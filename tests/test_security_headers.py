"""Headers on every response: CSP without inline allowances, frames refused except for the
evidence viewer, Permissions-Policy, and no caching of pages a signed-in user sees."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import logged_in

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered by WeasyPrint into PDFs, never served to a browser.
PRINT_ONLY = {"reports"}


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.django_db
def test_login_page_has_strict_csp_and_cannot_be_framed(client):
    response = client.get(reverse("login"))
    csp = _directives(response)
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pages_are_not_stored(client, operator, evaluation):
    response = logged_in(client, operator).get(reverse("evaluations:institution-dashboard"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"
    assert _directives(response)["frame-ancestors"] == "'none'"


def test_error_pages_carry_the_headers_too(client, operator):
    response = logged_in(client, operator).get("/evaluations/999999/")
    assert response.status_code == 404
    assert "Content-Security-Policy" in response
    assert response["Cache-Control"] == "no-store"


def _served_templates():
    for path in TEMPLATES.rglob("*.html"):
        if path.relative_to(TEMPLATES).parts[0] not in PRINT_ONLY:
            yield path


@pytest.mark.parametrize("path", sorted(_served_templates()), ids=lambda p: str(p.name))
def test_templates_have_no_inline_script_or_style(path):
    text = path.read_text()
    # A JSON data block (type="application/json") is not run, so the CSP allows it.
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text)
    assert all('type="application/json"' in tag for tag in scripts), "inline <script>"
    assert not re.search(r"<style\b", text), "<style> element"
    assert not re.search(r"\sstyle\s*=", text), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert "javascript:" not in text
