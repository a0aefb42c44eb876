"""The audit table refuses UPDATE and DELETE in the database, whoever asks."""

import pytest
from django.db import DatabaseError, connection, transaction

from evaluations.models import AuditEvent
from tests import factories as f


@pytest.fixture
def event(evaluation, operator):
    return f.AuditEventFactory(evaluation=evaluation, actor=operator, note="asli")


def test_update_through_the_orm_fails(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(note="diubah")
    event.refresh_from_db()
    assert event.note == "asli"


def test_delete_through_the_orm_fails(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE evaluations_auditevent SET action = 'nothing' WHERE id = %s",
        "DELETE FROM evaluations_auditevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_raw_sql_fails(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


def test_deleting_an_evaluation_with_history_is_refused(event, evaluation):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        evaluation.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_new_events_are_still_written(evaluation, operator):
    before = AuditEvent.objects.count()
    f.AuditEventFactory(evaluation=evaluation, actor=operator)
    assert AuditEvent.objects.count() == before + 1
