"""The benchmark ceiling endpoint: mounted only when BENCHMARK_ENDPOINTS is on."""

import importlib

import pytest
from django.urls import NoReverseMatch, clear_url_caches, reverse

from tests.conftest import logged_in


@pytest.fixture
def bench_urls(settings):
    settings.BENCHMARK_ENDPOINTS = True
    import spbe_portal.urls

    importlib.reload(spbe_portal.urls)
    clear_url_caches()
    yield
    settings.BENCHMARK_ENDPOINTS = False
    importlib.reload(spbe_portal.urls)
    clear_url_caches()


def test_bench_ceiling_is_not_mounted_by_default():
    with pytest.raises(NoReverseMatch):
        reverse("bench-ceiling")


@pytest.mark.django_db
def test_bench_ceiling_updates_own_evaluation(bench_urls, client, operator, evaluation):
    response = logged_in(client, operator).post(
        reverse("bench-ceiling"), {"period": evaluation.period_id}
    )
    assert response.status_code == 200
    assert response.content == b"ok"
    evaluation.refresh_from_db()
    assert evaluation.last_activity_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["anonymous", "assessor", "admin_user", "other_operator_wrong_period"]
)
def test_bench_ceiling_other_roles(bench_urls, client, request, role, evaluation):
    if role == "anonymous":
        response = client.post(reverse("bench-ceiling"), {"period": evaluation.period_id})
        assert response.status_code == 302
        return
    if role == "other_operator_wrong_period":
        user = request.getfixturevalue("operator")
        response = logged_in(client, user).post(reverse("bench-ceiling"), {"period": "999999"})
        assert response.status_code == 404
        return
    user = request.getfixturevalue(role)
    response = logged_in(client, user).post(
        reverse("bench-ceiling"), {"period": evaluation.period_id}
    )
    assert response.status_code == 404
    evaluation.refresh_from_db()
    assert evaluation.last_activity_at is None


def test_bench_ceiling_resolves_first_as_the_autosave_does(bench_urls):
    """The ceiling must not pay for trying the whole evaluations list first (no real
    page does): it resolves at the first pattern, and the autosave within the first few."""
    from django.urls import resolve

    # `tried` lists the patterns tried, the matching one last.
    assert len(resolve("/bench/ceiling").tried) == 1
    autosave = resolve(reverse("evaluations:answer-edit", args=[1, 2]))
    assert autosave.url_name == "answer-edit" and len(autosave.tried) <= 20
