"""The autosave's cost in queries, and the per-process framework cache behind it.

The autosave is the busiest write of deadline day: each keystroke pause of each
operator is one. Its queries are counted outside a test transaction (a transactional
test), as a server runs them: BEGIN and COMMIT are not statements of their own.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.models import Answer, Indicator, Phase
from evaluations.selectors import framework as framework_cache
from evaluations.services import selfeval as s
from evaluations.signals import bump_revision
from spbe_portal import prepared
from tests import factories as f
from tests.conftest import logged_in

from .selfeval_helpers import small_framework

HTMX = {"HTTP_HX_REQUEST": "true"}


def _post(client, evaluation, indicator, *, version, note, level: object = 3):
    return client.post(
        reverse("evaluations:answer-edit", args=[evaluation.pk, indicator.pk]),
        {
            "entry": 1,
            "e1-entry": 1,
            "e1-base_version": version,
            "e1-level": level,
            "e1-note": note,
        },
        **HTMX,
    )


@pytest.mark.django_db(transaction=True)
def test_a_typing_autosave_runs_six_queries(client, operator, period):
    indicator = small_framework(period)[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    logged_in(client, operator)
    # The first save starts the evaluation (status, counters); later ones are typing.
    assert (
        b'data-autosave-result="saved"'
        in _post(client, evaluation, indicator, version=0, note="Ada SK").content
    )
    with CaptureQueriesContext(connection) as ctx:
        response = _post(client, evaluation, indicator, version=1, note="Ada SK Wali Kota")
    assert b'data-autosave-result="saved"' in response.content
    # Django logs the transaction's BEGIN and COMMIT too; they are not queries.
    # Statements prepared on the server are logged as EXECUTE: read what each one runs.
    queries = [
        prepared.source(q["sql"])
        for q in ctx.captured_queries
        if q["sql"] not in ("BEGIN", "COMMIT")
    ]
    statements = [sql.split()[0] for sql in queries]
    # session, user, the evaluation in scope under its row lock, the indicator's answers,
    # the answer's UPDATE, the audit event's INSERT: nothing read twice.
    assert len(queries) <= 6, "\n".join(sql[:120] for sql in queries)
    assert statements.count("UPDATE") == 1 and statements.count("INSERT") == 1
    if connection.features.has_select_for_update:  # PostgreSQL; SQLite locks the file
        assert "FOR UPDATE" in queries[2], "\n".join(queries)
    answer = Answer.objects.get(evaluation=evaluation, indicator=indicator, phase=Phase.SELF)
    assert (answer.note, answer.version) == ("Ada SK Wali Kota", 2)
    # The badge still tells the indicator's state after the save (from the rows read):
    # a level with a justification but no file yet.
    assert "Missing evidence" in response.content.decode()
    empty = _post(client, evaluation, indicator, version=2, note="", level="")
    assert "Empty" in empty.content.decode()


@pytest.mark.django_db(transaction=True)
def test_autosave_of_another_institutions_evaluation_answers_404(client, operator, period):
    indicator = small_framework(period)[0]
    other = f.EvaluationFactory(institution=f.InstitutionFactory(), period=period)
    logged_in(client, operator)
    assert _post(client, other, indicator, version=0, note="x").status_code == 404
    assert not Answer.objects.filter(evaluation=other).exists()


@pytest.mark.django_db(transaction=True)
def test_an_indicator_of_another_framework_answers_404(client, operator, period):
    small_framework(period)
    foreign = small_framework(f.EvaluationPeriodFactory())[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    logged_in(client, operator)
    assert _post(client, evaluation, foreign, version=0, note="x").status_code == 404


def test_the_page_shows_an_indicator_renamed_elsewhere(client, operator, period):
    indicator = small_framework(period)[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    logged_in(client, operator)
    url = reverse("evaluations:answer-edit", args=[evaluation.pk, indicator.pk])
    assert "Indikator 1" in client.get(url).content.decode()

    # Saved through the ORM (the admin, the loader): the signal moves the revision on.
    indicator.name = "Kebijakan internal arsitektur SPBE"
    indicator.save()
    assert "Kebijakan internal arsitektur SPBE" in client.get(url).content.decode()

    # Changed behind the ORM's signals (as another tool might), then marked as changed.
    Indicator.objects.filter(pk=indicator.pk).update(name="Nama baru dari proses lain")
    assert "Nama baru dari proses lain" not in client.get(url).content.decode()
    bump_revision(indicator.framework_id)
    assert "Nama baru dari proses lain" in client.get(url).content.decode()


def test_cached_indicators_are_copies(period):
    indicator = small_framework(period)[0]
    first = framework_cache.indicator_of(period.framework, indicator.pk)
    first.n_links = 99  # something a view might set on its indicator
    second = framework_cache.indicator_of(period.framework, indicator.pk)
    assert not hasattr(second, "n_links")


def _locked_save(evaluation, indicator, operator):
    return s.save_answer(
        locked=True,
        evaluation=evaluation,
        indicator=indicator,
        by=operator,
        level=3,
        note="Ada SK",
        base_version=0,
    )


def test_a_locked_save_inside_a_transaction_reports_the_state(operator, period):
    indicator = small_framework(period)[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    assert transaction.get_connection().in_atomic_block  # the test's own transaction
    # Inside a transaction it works (here the test's), and the state comes back with it.
    answer = _locked_save(evaluation, indicator, operator)
    assert answer.indicator_state in ("draft", "missing_evidence", "complete")


@pytest.mark.django_db(transaction=True)
def test_a_locked_save_needs_the_callers_transaction(operator, period):
    indicator = small_framework(period)[0]
    evaluation = f.EvaluationFactory(institution=operator.institution, period=period)
    with pytest.raises(RuntimeError):
        _locked_save(evaluation, indicator, operator)
    assert not Answer.objects.filter(evaluation=evaluation).exists()
