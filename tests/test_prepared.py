"""Queries compiled once per process (spbe_portal.prepared): the same objects as the
ORM gives, one statement per call, no compiling after the first, and a loud error for
a query that depends on more than its arguments."""

import threading

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Count, F, signals
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluations.models import Answer, AuditEvent, Evaluation, EvidenceLink, Report
from institutions.models import User
from spbe_portal import prepared
from spbe_portal.prepared import PreparedQuery
from tests.factories import AnswerFactory, EvaluationFactory, EvidenceLinkFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _by_institution():
    return PreparedQuery(
        lambda institution, pk: Evaluation.objects.select_related(
            "institution", "period__framework"
        ).filter(institution_id=institution, pk=pk),
        "institution",
        "pk",
    )


def test_the_objects_are_the_orms_with_their_related_rows_loaded():
    first, second = EvaluationFactory(), EvaluationFactory()
    lookup = _by_institution()
    for ev in (first, second):
        found = lookup.first(institution=ev.institution_id, pk=ev.pk)
        orm = Evaluation.objects.select_related("institution", "period__framework").get(pk=ev.pk)
        with CaptureQueriesContext(connection) as queries:
            assert _fields(found) == _fields(orm)
            assert _fields(found.period) == _fields(orm.period)
            assert _fields(found.period.framework) == _fields(orm.period.framework)
            assert found.institution.name == ev.institution.name
        assert queries.captured_queries == []  # related rows came with the one statement
    # Another institution's id finds nothing: the filter is applied, not just compiled.
    assert lookup.first(institution=second.institution_id, pk=first.pk) is None


def test_compiled_once_then_one_statement_per_call(monkeypatch):
    ev = EvaluationFactory()
    lookup = _by_institution()
    lookup.first(institution=ev.institution_id, pk=ev.pk)
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k)
    )
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert lookup.first(institution=ev.institution_id, pk=ev.pk).pk == ev.pk
    assert len(queries.captured_queries) == 3
    assert compiled == []


def test_annotations_and_converted_values_as_the_orm_gives_them():
    answer = AnswerFactory(level=3)
    EvidenceLinkFactory(answer=answer)
    EvidenceLinkFactory(answer=answer)
    lookup = PreparedQuery(
        lambda evaluation: (
            Answer.objects.filter(evaluation_id=evaluation, phase="self")
            .annotate(n_links=Count("evidence_links"), period_id=F("evaluation__period_id"))
            .order_by("pk")
        ),
        "evaluation",
    )
    (found,) = lookup.all(evaluation=answer.evaluation_id)
    assert (found.n_links, found.period_id) == (2, answer.evaluation.period_id)
    assert _fields(found) == _fields(Answer.objects.get(pk=answer.pk))
    assert found.updated_at.tzinfo is not None  # the database's converters applied


def test_a_query_that_matches_nothing_runs_no_statement():
    lookup = PreparedQuery(lambda pk: Evaluation.objects.none().filter(pk=pk), "pk")
    with CaptureQueriesContext(connection) as queries:
        assert lookup.all(pk=1) == []
    assert queries.captured_queries == []


def test_a_query_that_depends_on_more_than_its_arguments_is_refused():
    now = PreparedQuery(
        lambda pk: Report.objects.filter(pk=pk, requested_at__lte=timezone.now()), "pk"
    )
    with pytest.raises(ValueError, match="more than its arguments"):
        now.all(pk=1)
    unused = PreparedQuery(lambda pk, other: Evaluation.objects.filter(pk=pk), "pk", "other")
    with pytest.raises(ValueError, match="never reaches"):
        unused.all(pk=1, other=2)
    values = PreparedQuery(lambda pk: Evaluation.objects.filter(pk=pk).values("pk"), "pk")
    with pytest.raises(ValueError, match="only model QuerySets"):
        values.all(pk=1)


@pytest.mark.django_db(transaction=True)
def test_a_lock_is_taken_only_inside_a_transaction():
    ev = EvaluationFactory()
    lookup = PreparedQuery(lambda pk: Evaluation.objects.select_for_update().filter(pk=pk), "pk")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert lookup.first(pk=ev.pk).pk == ev.pk
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in prepared.source(queries.captured_queries[0]["sql"])
    with pytest.raises(TransactionManagementError):
        lookup.first(pk=ev.pk)


@pytest.mark.django_db(transaction=True)
def test_threads_share_the_compiled_query_each_on_its_own_connection():
    evaluations = [EvaluationFactory() for _ in range(4)]
    lookup = _by_institution()
    found, errors = {}, []

    def read(ev):
        try:
            for _ in range(5):
                got = lookup.first(institution=ev.institution_id, pk=ev.pk)
                found.setdefault(ev.pk, set()).add((got.pk, got.institution.name))
        except Exception as exc:  # reported below, with the thread's result
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=read, args=(ev,)) for ev in evaluations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert found == {ev.pk: {(ev.pk, ev.institution.name)} for ev in evaluations}


def test_insert_stores_the_row_as_save_does_and_compiles_once(monkeypatch):
    answer = AnswerFactory()
    sent = []

    def receiver(sender, instance, created, **kwargs):
        sent.append((instance.pk, created))

    signals.post_save.connect(receiver, sender=AuditEvent)
    try:
        first = AuditEvent(
            at=timezone.now(),
            action="answer.saved",
            evaluation=answer.evaluation,
            changes={"level": [None, 3]},
        )
        prepared.insert(first)
        compiled = []
        original = SQLInsertCompiler.as_sql
        monkeypatch.setattr(
            SQLInsertCompiler,
            "as_sql",
            lambda s, *a, **k: compiled.append(1) or original(s, *a, **k),
        )
        second = AuditEvent(at=timezone.now(), action="answer.saved", note="kedua")
        with CaptureQueriesContext(connection) as queries:
            prepared.insert(second)
    finally:
        signals.post_save.disconnect(receiver, sender=AuditEvent)
    assert len(queries.captured_queries) == 1 and compiled == []
    assert first.pk and second.pk and first.pk != second.pk
    assert _fields(AuditEvent.objects.get(pk=first.pk)) == _fields(first)
    assert AuditEvent.objects.get(pk=second.pk).note == "kedua"
    assert sent == [(first.pk, True), (second.pk, True)]
    with pytest.raises(ValueError):
        prepared.insert(first)  # already stored


def test_update_writes_the_named_fields_only_and_moves_auto_now():
    answer = AnswerFactory(level=1, note="awal")
    before = Answer.objects.get(pk=answer.pk)
    answer.level, answer.note = 4, "baru"
    answer.entry = 9  # changed in memory, not among the fields: stays as stored
    prepared.update(answer, ("level", "note", "updated_at"))
    stored = Answer.objects.get(pk=answer.pk)
    assert (stored.level, stored.note, stored.entry) == (4, "baru", before.entry)
    assert stored.updated_at > before.updated_at
    assert stored.updated_at == answer.updated_at
    gone = Answer.objects.get(pk=answer.pk)
    Answer.objects.filter(pk=gone.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        prepared.update(gone, ("level",))


def test_insert_refuses_an_unsaved_related_object_as_save_does():
    unsaved = Evaluation(institution_id=1, period_id=1)
    with pytest.raises(ValueError, match="unsaved related object"):
        prepared.insert(AuditEvent(at=timezone.now(), action="answer.saved", evaluation=unsaved))
    assert not AuditEvent.objects.exists()


def test_attached_rows_read_as_prefetch_related_gives_them():
    first, second = AnswerFactory(), AnswerFactory()
    links = [EvidenceLinkFactory(answer=first) for _ in range(3)]
    EvidenceLinkFactory(answer=second)  # another answer's: not attached to `first`
    answers = list(Answer.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk"))
    rows = list(EvidenceLink.objects.select_related("evidence").order_by("id"))
    prepared.attach_prefetched(answers, "evidence_links", rows)
    with CaptureQueriesContext(connection) as queries:
        mine = list(answers[0].evidence_links.all())
        assert [link.pk for link in mine] == [link.pk for link in links]
        assert all(link.answer is answers[0] for link in mine)
        assert mine[0].evidence.pk == links[0].evidence_id
        assert len(answers[1].evidence_links.all()) == 1
    assert queries.captured_queries == []


def test_small_integer_arguments_and_a_refused_stand_in():
    answer = AnswerFactory()
    number = answer.indicator.number
    by_number = PreparedQuery(
        lambda number: Answer.objects.filter(indicator__number=number).values_list("pk", "entry"),
        "number",
    )
    assert by_number.all(number=number) == [(answer.pk, answer.entry)]
    # A filter that makes a stand-in out of its column's range would compile as "matches
    # nothing" and answer nothing for every value: refused instead.
    shifted = PreparedQuery(lambda n: Answer.objects.filter(entry=n + 40000), "n")
    with pytest.raises(ValueError, match="refused as matching nothing"):
        shifted.all(n=1)


def test_the_signed_in_users_lookup_by_id_is_the_orms(monkeypatch):
    user = UserFactory()
    orm = User.objects.filter(pk=user.pk).get()
    assert _fields(User.objects.get(pk=user.pk)) == _fields(orm)
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=user.pk + 1000)
    assert User.objects.get(username=user.username).pk == user.pk  # other lookups: the ORM
    compiled = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda s, *a, **k: compiled.append(1) or original(s, *a, **k)
    )
    assert ModelBackend().get_user(user.pk).pk == user.pk
    assert compiled == []
