"""/healthz reports every dependency and answers 503 only when a required one fails; with
the Redis cache gone (a Redis of the test's own, stopped mid-session) the portal keeps
working."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.models import Answer, WorkerHeartbeat
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.selfeval_helpers import small_framework
from tests.own_redis import OwnRedis


@pytest.mark.django_db
def test_healthz_reports_each_check_and_heartbeat_ages(client):
    WorkerHeartbeat.objects.create(
        name="interactive", seen_at=timezone.now() - dt.timedelta(seconds=40)
    )
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "media"}
    ages = body["worker_heartbeat_age_seconds"]
    assert 40 <= ages["interactive"] <= 45 and ages["bulk"] is None


@pytest.mark.django_db
def test_healthz_answers_503_when_media_storage_fails(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = str(blocker)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker)},
        },
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["checks"]["media"].startswith("error")
    assert body["checks"]["database"] == "ok"


@pytest.fixture
def own_redis():
    redis = OwnRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.mark.django_db
def test_portal_keeps_working_when_its_redis_stops(client, settings, own_redis, operator, period):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    indicator = small_framework(period)[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    logged_in(client, operator)
    page = reverse("evaluations:answer-edit", args=[evaluation.pk, indicator.pk])
    assert client.get(page).status_code == 200
    assert client.get(reverse("healthz")).json()["checks"]["cache"] == "ok"

    own_redis.stop()

    # Still logged in, pages answer, a save is stored and says so.
    assert client.get(reverse("evaluations:institution-dashboard")).status_code == 200
    assert client.get(page).status_code == 200
    response = client.post(
        page,
        {"entry": 1, "e1-entry": 1, "e1-base_version": 0, "e1-level": 2, "e1-note": "Ada"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-autosave-result="saved"' in response.content.decode()
    assert Answer.objects.get(evaluation=evaluation).note == "Ada"
    # A new login works too (sessions are in the database).
    client.logout()
    operator.set_password("rahasia-123")
    operator.save()
    login = client.post(
        reverse("login"), {"username": operator.username, "password": "rahasia-123"}
    )
    assert login.status_code == 302
    assert client.get(reverse("evaluations:institution-dashboard")).status_code == 200

    health = client.get(reverse("healthz"))
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["checks"]["cache"].startswith("error")
