"""The session store: Django's database store, read with one plain statement. It must
behave as Django's store does for every key a browser can send."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from spbe_portal.session_store import SessionStore
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_the_portal_uses_it():
    assert settings.SESSION_ENGINE == "spbe_portal.session_store"


def test_a_saved_session_reads_back_in_one_statement():
    store = SessionStore()
    store["answer"] = 42
    store.save()
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(store.session_key).load() == {"answer": 42}
    assert len(queries.captured_queries) == 1


def test_an_expired_unknown_or_missing_key_reads_as_empty_and_is_dropped():
    store = SessionStore()
    store["answer"] = 42
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    for key in (store.session_key, "x" * 32, None):
        again = SessionStore(key)
        assert again.load() == {}
        assert again.session_key is None  # a write would issue a new key


def test_a_signed_in_user_stays_signed_in_until_sign_out(client, operator, evaluation):
    logged_in(client, operator)
    dashboard = reverse("evaluations:institution-dashboard")
    assert client.get(dashboard).status_code == 200
    client.post(reverse("logout"))
    response = client.get(dashboard)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_statement_names_djangos_session_table():
    # The store's statement is written out: it must follow the model it reads.
    opts = Session._meta
    assert opts.db_table == "django_session"
    for field in ("session_key", "session_data", "expire_date"):
        assert opts.get_field(field).column == field


def test_on_postgresql_the_read_is_prepared_on_the_server():
    if connection.vendor != "postgresql":
        pytest.skip("server-side preparation is PostgreSQL's")
    from spbe_portal import prepared
    from spbe_portal.session_store import READ

    store = SessionStore()
    store["answer"] = 42
    store.save()
    for _ in range(2):  # prepared on the first read of the connection, executed on both
        with CaptureQueriesContext(connection) as queries:
            assert SessionStore(store.session_key).load() == {"answer": 42}
        (sql,) = [q["sql"] for q in queries.captured_queries]
        assert sql.startswith("EXECUTE spbe_prepared_") and prepared.source(sql) == READ
