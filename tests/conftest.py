"""Test settings overrides and the cast of users, one per role."""

import pytest
from django.core.management import call_command

from evaluations.selectors import framework as framework_cache
from institutions.models import Role
from spbe_portal.celery import app as celery_app

from . import factories as f
from .auth_helpers import force_login
from .browser import browser  # noqa: F401 - a fixture for the browser tests


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    settings.AXES_ENABLED = False
    # A cache of the test's own: counters (sign-in and reset limits) never leak between tests.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }
    settings.WHITENOISE_AUTOREFRESH = True
    # Celery may already have read Django settings: set eager mode on the app itself.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    # Each test builds its own frameworks: no indicators cached by an earlier test.
    framework_cache.clear()
    yield


@pytest.fixture
def framework_2018(db):
    """The real PermenPANRB 5/2018 framework (35 indicators), loaded from the fixture file."""
    from evaluations.models import Framework

    call_command("load_framework", verbosity=0)
    return Framework.objects.get(code="permenpanrb-5-2018")


@pytest.fixture
def institution(db):
    return f.InstitutionFactory(name="Kota Alpha", short_name="Kota Alpha")


@pytest.fixture
def other_institution(db):
    return f.InstitutionFactory(name="Kota Beta", short_name="Kota Beta")


@pytest.fixture
def university(db):
    return f.UniversityFactory(code="ui", name="Universitas Indonesia", short_name="UI")


@pytest.fixture
def other_university(db):
    return f.UniversityFactory(code="ugm", name="Universitas Gadjah Mada", short_name="UGM")


@pytest.fixture
def operator(institution):
    return f.UserFactory(username="operator", role=Role.OPERATOR, institution=institution)


@pytest.fixture
def supervisor(institution):
    return f.UserFactory(username="supervisor", role=Role.SUPERVISOR, institution=institution)


@pytest.fixture
def other_operator(other_institution):
    return f.UserFactory(
        username="other_operator", role=Role.OPERATOR, institution=other_institution
    )


@pytest.fixture
def assessor(university):
    return f.UserFactory(username="assessor", role=Role.ASSESSOR, university=university)


@pytest.fixture
def unassigned_assessor(university):
    return f.UserFactory(username="unassigned_assessor", role=Role.ASSESSOR, university=university)


@pytest.fixture
def coordinator(university):
    return f.UserFactory(username="coordinator", role=Role.COORDINATOR, university=university)


@pytest.fixture
def other_coordinator(other_university):
    return f.UserFactory(
        username="other_coordinator", role=Role.COORDINATOR, university=other_university
    )


@pytest.fixture
def admin_user(db):
    return f.UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def period(db):
    return f.EvaluationPeriodFactory()


@pytest.fixture
def evaluation(institution, period, university, assessor):
    """Institution A's evaluation, assessed by `university`, with `assessor` assigned."""
    ev = f.EvaluationFactory(institution=institution, period=period, university=university)
    f.AssessorAssignmentFactory(evaluation=ev, assessor=assessor)
    return ev


@pytest.fixture
def other_evaluation(other_institution, period):
    return f.EvaluationFactory(institution=other_institution, period=period)


def logged_in(client, user):
    """Log `user` in on `client` and return it (no password or second-factor round trip)."""
    if user is not None:
        force_login(client, user)
    return client
