"""Statements of spbe_portal.prepared prepared on the PostgreSQL server: EXECUTE after one
PREPARE per connection, the same rows as the ORM, a fallback to plain SQL that leaves the
caller's transaction usable, and a setting that turns it off."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluations.models import AuditEvent, Evaluation
from spbe_portal import prepared
from spbe_portal.prepared import PreparedQuery
from tests.factories import EvaluationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="server-side statements: PostgreSQL"
    ),
]


def _server_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _lookup():
    return PreparedQuery(
        lambda institution, pk: Evaluation.objects.select_related("period").filter(
            institution_id=institution, pk=pk
        ),
        "institution",
        "pk",
    )


def test_prepared_once_per_connection_then_executed():
    first, second = EvaluationFactory(), EvaluationFactory()
    lookup = _lookup()
    assert lookup.first(institution=first.institution_id, pk=first.pk).pk == first.pk
    known = _server_statements()
    with CaptureQueriesContext(connection) as queries:
        found = lookup.first(institution=second.institution_id, pk=second.pk)
        missing = lookup.first(institution=second.institution_id, pk=first.pk)
    assert found.pk == second.pk and found.period.name == second.period.name
    assert missing is None  # the filter is the server's too
    # One statement per call, EXECUTE of the one prepared; nothing prepared again.
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 2 and all(s.startswith("EXECUTE spbe_prepared_") for s in sql)
    assert sql[0].split(" ", 2)[1] in known and _server_statements() == known
    assert "evaluations_evaluation" in prepared.source(sql[0])
    assert prepared.source("SELECT 1") == "SELECT 1"


def test_a_new_connection_prepares_again():
    ev = EvaluationFactory()
    lookup = _lookup()
    assert lookup.first(institution=ev.institution_id, pk=ev.pk).pk == ev.pk
    connection.close()
    # Not "prepared statement does not exist": the bookkeeping follows the connection.
    assert lookup.first(institution=ev.institution_id, pk=ev.pk).pk == ev.pk
    assert len(_server_statements()) == 1  # a new server session: only this one


def test_prepared_inside_a_rolled_back_transaction_stays_usable():
    ev = EvaluationFactory()
    lookup = _lookup()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert lookup.first(institution=ev.institution_id, pk=ev.pk).pk == ev.pk
        raise RuntimeError
    assert lookup.first(institution=ev.institution_id, pk=ev.pk).pk == ev.pk


def test_a_statement_the_server_refuses_runs_as_plain_sql_in_the_same_transaction():
    ev = EvaluationFactory()
    # The server cannot tell this parameter's type, so PREPARE fails.
    refused = prepared._Statement("SELECT %s IS NULL")
    with transaction.atomic():
        Evaluation.objects.filter(pk=ev.pk).update(answered_count=7)
        with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
            prepared._execute(connection, cursor, refused, [None])
            assert cursor.fetchone() == (True,)
        # The transaction was not aborted by the refusal: its write is still there.
        assert Evaluation.objects.get(pk=ev.pk).answered_count == 7
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT NULL IS NULL"]
    assert Evaluation.objects.get(pk=ev.pk).answered_count == 7


def test_in_a_broken_transaction_django_reports_it_as_without_preparing():
    """An earlier error aborted the transaction (the caller caught it inside atomic):
    the PREPARE fails too, and the caller gets Django's own error, not psycopg2's."""
    from django.db.transaction import TransactionManagementError

    ev = EvaluationFactory()
    lookup = _lookup()
    with transaction.atomic():
        try:
            with connection.cursor() as cursor:  # a failing statement, no savepoint
                cursor.execute("SELECT 1 / 0")
        except DatabaseError:
            pass  # caught inside the block: the transaction stays aborted
        with pytest.raises((TransactionManagementError, DatabaseError)) as caught:
            lookup.first(institution=ev.institution_id, pk=ev.pk)
        assert not caught.type.__module__.startswith("psycopg2")
    # The broken transaction was not taken for a refusal: prepared at the next call.
    with CaptureQueriesContext(connection) as queries:
        assert lookup.first(institution=ev.institution_id, pk=ev.pk).pk == ev.pk
    assert queries.captured_queries[0]["sql"].startswith("EXECUTE spbe_prepared_")


def test_writes_are_executed_and_a_missing_row_still_fails_loudly():
    ev = EvaluationFactory()
    event = AuditEvent(
        at=timezone.now(),
        action="answer.saved",
        note="pertama",
        evaluation=ev,
        changes={"level": [None, 3]},
    )
    with CaptureQueriesContext(connection) as queries:
        prepared.insert(event)
        ev.answered_count = 4
        prepared.update(ev, ("answered_count",))
    sources = [prepared.source(q["sql"]) for q in queries.captured_queries]
    assert [s.split()[0] for s in sources] == ["INSERT", "UPDATE"]
    assert all(q["sql"].startswith("EXECUTE") for q in queries.captured_queries)
    saved = AuditEvent.objects.get(pk=event.pk)
    assert (saved.note, saved.changes, saved.at) == ("pertama", {"level": [None, 3]}, event.at)
    assert Evaluation.objects.get(pk=ev.pk).answered_count == 4
    ev.pk = ev.pk + 10_000  # no such row: the UPDATE touches nothing
    with pytest.raises(DatabaseError):
        prepared.update(ev, ("answered_count",))


def test_the_setting_turns_it_off(settings):
    settings.DATABASE_SERVER_PREPARED = False
    ev = EvaluationFactory()
    before = _server_statements()  # earlier tests' statements on this connection
    with CaptureQueriesContext(connection) as queries:
        assert _lookup().first(institution=ev.institution_id, pk=ev.pk).pk == ev.pk
    (query,) = queries.captured_queries
    assert query["sql"].startswith("SELECT") and _server_statements() == before
