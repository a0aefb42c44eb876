"""Every URL x every role: the expected status, and no URL without a row."""

import importlib
import pkgutil
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import permission_rows
from tests.conftest import logged_in
from tests.permission_rows import LOGIN, ROLES

# Namespaces (and root names) the matrix must cover; Django's own admin and auth
# views are tested by Django and by tests/test_auth.py.
COVERED_NAMESPACES = {"evaluations", "institutions"}
COVERED_ROOT_NAMES = {"home", "healthz", "invitation-accept"}


def _all_rows():
    rows = []
    for module in pkgutil.iter_modules(permission_rows.__path__):
        rows.extend(importlib.import_module(f"tests.permission_rows.{module.name}").ROWS)
    return rows


ALL_ROWS = _all_rows()


def _url_names(patterns, namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name


def test_every_url_has_a_matrix_row():
    names = set(_url_names(get_resolver().url_patterns))
    required = {
        n for n in names if n.split(":")[0] in COVERED_NAMESPACES or n in COVERED_ROOT_NAMES
    }
    covered = {row.url_name for row in ALL_ROWS}
    assert sorted(required - covered) == []
    assert sorted(covered - names) == []


@pytest.fixture
def cast(
    operator,
    supervisor,
    other_operator,
    assessor,
    unassigned_assessor,
    coordinator,
    other_coordinator,
    admin_user,
    evaluation,
    other_evaluation,
):
    """Everyone and the two institutions' evaluations (A assigned to `assessor`)."""
    return SimpleNamespace(
        anonymous=None,
        operator=operator,
        supervisor=supervisor,
        other_operator=other_operator,
        assessor=assessor,
        unassigned_assessor=unassigned_assessor,
        coordinator=coordinator,
        other_coordinator=other_coordinator,
        admin=admin_user,
        evaluation=evaluation,
        other_evaluation=other_evaluation,
        period=evaluation.period,
        institution=evaluation.institution,
        other_institution=other_evaluation.institution,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ALL_ROWS, ids=lambda r: r.id or f"{r.method}:{r.url_name}")
def test_permission_matrix(client, cast, row, role):
    kwargs = row.setup(cast)
    url = reverse(row.url_name, kwargs=kwargs)
    logged_in(client, getattr(cast, role))
    data = row.data(cast) if row.data else {}
    response = getattr(client, row.method)(url, data, **row.headers)
    expected = row.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, (row.url_name, role)
