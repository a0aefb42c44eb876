"""Password reset: the same answer in the same time for every address typed (the mail is
sent by a task), limited per client and per email address, honest when the broker fails."""

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from institutions.tasks import send_password_reset_task
from spbe_portal import prepared
from tests import factories as f

UNKNOWN = "tidak-ada@contoh.go.id"


@pytest.fixture
def queued(monkeypatch):
    """The reset tasks the view queued (not run: as with a real broker)."""
    calls = []
    monkeypatch.setattr(send_password_reset_task, "delay", lambda **kw: calls.append(kw))
    return calls


def _reset(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


@pytest.mark.django_db
def test_known_and_unknown_addresses_get_the_same_answer(client, operator, queued):
    known = _reset(client, operator.email)
    unknown = _reset(client, UNKNOWN)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == reverse("password_reset_done")
    # Both queue the same task; the lookup happens in the worker.
    assert [c["email"] for c in queued] == [operator.email, UNKNOWN]
    assert mail.outbox == []


@pytest.mark.django_db
def test_known_and_unknown_addresses_take_the_same_time(operator, queued, settings):
    """No timing is asserted (a busy machine would make that flaky): the request does
    the same work for both, the same statements in the same order and one queued task,
    and looks nothing up about the address itself (the task does, in the background)."""
    settings.PASSWORD_RESETS_PER_CLIENT = 1000
    settings.PASSWORD_RESETS_PER_EMAIL = 1000

    def work(email) -> list[str]:
        client = Client()
        _reset(client, UNKNOWN)  # warm-up: session and CSRF as on a second request
        with CaptureQueriesContext(connection) as ctx:
            _reset(client, email)
        return [prepared.source(q["sql"]).replace(email, "<address>") for q in ctx.captured_queries]

    known, unknown = work(operator.email), work(UNKNOWN)
    assert known == unknown
    assert not any("institutions_user" in sql for sql in known)
    assert [c["email"] for c in queued] == [UNKNOWN, operator.email, UNKNOWN, UNKNOWN]


@pytest.mark.django_db
def test_the_task_mails_known_active_accounts_only(operator):
    f.UserFactory(username="pensiun", email="pensiun@contoh.go.id", is_active=False)
    send_password_reset_task(
        email=operator.email, domain="spbe.go.id", use_https=True, language="id"
    )
    send_password_reset_task(email=UNKNOWN, domain="spbe.go.id", use_https=True, language="id")
    send_password_reset_task(
        email="pensiun@contoh.go.id", domain="spbe.go.id", use_https=True, language="id"
    )
    assert [m.to for m in mail.outbox] == [[operator.email]]
    assert "https://spbe.go.id/accounts/reset/" in mail.outbox[0].body
    assert "Nama pengguna Anda: operator." in mail.outbox[0].body


@pytest.mark.django_db
def test_one_address_gets_at_most_three_links_an_hour(client, operator, queued):
    answers = {_reset(client, operator.email)["Location"] for _ in range(5)}
    assert answers == {reverse("password_reset_done")}
    assert len(queued) == 3


@pytest.mark.django_db
def test_one_client_is_stopped_after_ten_requests(operator, queued):
    client = Client()
    for n in range(10):
        assert _reset(client, f"orang{n}@contoh.go.id").status_code == 302
    response = _reset(client, operator.email)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many password reset requests" in html and "Please try again in" in html
    assert len(queued) == 10
    # Another client is not affected.
    assert _reset(Client(), operator.email, REMOTE_ADDR="198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_broker_down_says_so_for_every_address(client, operator, monkeypatch):
    def down(**kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(send_password_reset_task, "delay", down)
    for email in (operator.email, UNKNOWN):
        response = _reset(client, email)
        assert response.status_code == 503
        assert "could not be sent just now" in response.content.decode()
