"""Real concurrency on PostgreSQL: two threads, two connections, one evaluation row lock."""

import threading

import pytest
from django.db import connection

from evaluations.models import Answer, AuditEvent
from evaluations.services import evidence as evidence_svc
from evaluations.services import selfeval as s

from .selfeval_helpers import make_pdf, small_framework, upload


def run_together(*calls):
    """Run the calls at the same moment in threads; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_saves_on_same_version_one_wins_one_conflicts(evaluation, operator, supervisor):
    indicator = small_framework(evaluation.period)[0]

    def save(user, note):
        return lambda: s.save_answer(
            evaluation=evaluation, indicator=indicator, by=user, level=2, note=note, base_version=0
        )

    results = run_together(save(operator, "versi operator"), save(supervisor, "versi supervisor"))
    conflicts = [r for r in results if isinstance(r, s.EditConflict)]
    saved = [r for r in results if isinstance(r, Answer)]
    assert len(conflicts) == 1 and len(saved) == 1
    stored = Answer.objects.get()
    assert stored.version == 1 and stored.note == saved[0].note
    assert conflicts[0].theirs.note == saved[0].note


@pytest.mark.django_db(transaction=True)
def test_double_click_submit_concurrently_submits_once(evaluation, operator, supervisor):
    indicators = small_framework(evaluation.period)
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    for ind in indicators:
        kw = {"service_name": "Perizinan"} if ind.max_entries > 1 else {}
        a = s.save_answer(
            evaluation=evaluation,
            indicator=ind,
            by=operator,
            level=3,
            note="Ada",
            base_version=0,
            **kw,
        )
        evidence_svc.link_evidence(evidence=pdf, answer=a, by=operator)

    def submit():
        return s.submit_evaluation(evaluation=evaluation, by=supervisor)

    results = run_together(submit, submit, submit)
    assert not [r for r in results if isinstance(r, Exception)], results
    evaluation.refresh_from_db()
    assert evaluation.submission_count == 1
    assert AuditEvent.objects.filter(action="evaluation.submitted").count() == 1
