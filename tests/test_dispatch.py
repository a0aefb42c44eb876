"""The outbox and the dispatcher without a broker: a publish that fails leaves the task in
the database (nothing lost, the request not failed); the dispatcher publishes it later.
A document whose worker stopped beating is queued again; one whose worker beats is left
alone. (With a real broker and worker: tests/test_broker_faults.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from evaluations import dispatch
from evaluations.models import Report, TaskOutbox, WorkerHeartbeat
from evaluations.services import reports as services
from evaluations.tasks.mail import send_mail_task
from evaluations.worker_liveness import heartbeat_name
from spbe_portal.celery import app as celery_app
from tests import factories as f
from tests.own_redis import free_port


@pytest.fixture
def dead_broker():
    """A broker URL on a port nobody listens on; eager mode off."""
    port = free_port()
    conf = celery_app.conf
    old = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = f"redis://127.0.0.1:{port}/0", False
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)
    yield
    conf.broker_url, conf.task_always_eager = old
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.mark.django_db
def test_a_publish_that_fails_keeps_the_task_for_the_dispatcher(
    dead_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.enqueue(send_mail_task, subject="Hasil", body="Teks", to=["a@example.go.id"])
    row = TaskOutbox.objects.get()
    assert row.task == "evaluations.send_mail" and row.kwargs["to"] == ["a@example.go.id"]

    later = timezone.now() + dt.timedelta(minutes=1)
    assert dispatch.dispatch_pending(now=later) == (0, 1)  # broker still away
    row.refresh_from_db()
    assert row.attempts == 1 and "Connection refused" in row.last_error


@pytest.mark.django_db
def test_the_dispatcher_publishes_what_is_pending(django_capture_on_commit_callbacks):
    # Eager mode stands for a broker that is back: publishing runs the task.
    old = timezone.now() - dt.timedelta(minutes=5)
    TaskOutbox.objects.create(
        task="evaluations.send_mail",
        kwargs={"subject": "Hasil", "body": "Teks", "to": ["b@example.go.id"]},
        created_at=old,
    )
    young = TaskOutbox.objects.create(
        task="evaluations.send_mail",
        kwargs={"subject": "Baru", "body": "Teks", "to": ["c@example.go.id"]},
        created_at=timezone.now(),
    )
    assert dispatch.dispatch_pending() == (1, 1)
    assert [m.subject for m in mail.outbox] == ["Hasil"]
    assert list(TaskOutbox.objects.all()) == [young]  # still being sent by its request


@pytest.mark.django_db
def test_a_document_of_a_dead_worker_is_queued_again_a_live_ones_is_not(framework_2018):
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    released = [
        f.answer_all_indicators(f.EvaluationFactory(period=period), final_level=2) for _ in range(2)
    ]
    a_minute_ago = timezone.now() - dt.timedelta(minutes=1)
    orphan, busy = (
        f.ReportFactory(
            kind=Report.Kind.INSTITUTION,
            evaluation=ev,
            language="id",
            status=Report.Status.RENDERING,
            claimed_at=a_minute_ago,
            claimed_by=host,
            attempts=1,
        )
        for ev, host in zip(released, ("dead@host", "alive@host"), strict=True)
    )
    WorkerHeartbeat.objects.create(
        name=heartbeat_name("dead@host"), hostname="dead@host", seen_at=a_minute_ago
    )
    WorkerHeartbeat.objects.create(
        name=heartbeat_name("alive@host"), hostname="alive@host", seen_at=timezone.now()
    )
    assert services.reclaim_stale_reports() == [orphan.pk]
    orphan.refresh_from_db()
    busy.refresh_from_db()
    assert orphan.status == Report.Status.READY and orphan.attempts == 2
    assert busy.status == Report.Status.RENDERING and busy.claimed_by == "alive@host"


@pytest.mark.django_db
def test_a_receipt_whose_message_was_lost_is_sent_again_after_two_minutes(framework_2018):
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    evaluation = f.answer_all_indicators(f.EvaluationFactory(period=period), released=False)
    lost, fresh = (
        f.ReportFactory(kind=Report.Kind.RECEIPT, evaluation=evaluation, language=language)
        for language in ("id", "en")
    )
    Report.objects.filter(pk=lost.pk).update(requested_at=timezone.now() - dt.timedelta(minutes=3))
    assert services.reclaim_stale_reports() == [lost.pk]
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == Report.Status.READY
    assert fresh.status == Report.Status.QUEUED  # its message is still on its way


@pytest.mark.django_db
def test_what_a_user_waits_for_goes_to_the_interactive_queue_bulk_work_to_bulk(
    framework_2018, admin_user
):
    """A supervisor's receipt never waits behind a period's rendering or an export: the
    two kinds of work are published to different queues, each with its own workers."""
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    evaluation = f.answer_all_indicators(f.EvaluationFactory(period=period), released=True)
    evaluation.status = evaluation.Status.RELEASED  # the report is offered once released
    evaluation.save(update_fields=["status"])
    TaskOutbox.objects.all().delete()
    # Without on-commit callbacks (the test's transaction), the rows stay in the outbox.
    services.request_receipt(evaluation=evaluation, by=admin_user)
    services.request_report(kind=Report.Kind.INSTITUTION, by=admin_user, evaluation=evaluation)
    router = celery_app.amqp.router

    def queue_of(row) -> str:
        options = {"queue": row.queue} if row.queue else {}
        return router.route(options, row.task, (), row.kwargs)["queue"].name

    rows = {Report.objects.get(pk=r.kwargs["report_id"]).kind: r for r in TaskOutbox.objects.all()}
    assert queue_of(rows[Report.Kind.RECEIPT]) == "interactive"
    assert queue_of(rows[Report.Kind.INSTITUTION]) == "bulk"
    # Exports and archives are routed by name, whoever queues them.
    assert router.route({}, "evaluations.build_export", (), {})["queue"].name == "bulk"
    assert router.route({}, "evaluations.build_archive", (), {})["queue"].name == "bulk"
    assert router.route({}, send_mail_task.name, (), {})["queue"].name == "interactive"


@pytest.mark.django_db
def test_a_worker_restarted_under_the_same_name_gives_back_what_it_was_rendering(
    framework_2018,
):
    """Killed while rendering and started again with the same hostname (a restarted
    container): its new heartbeat makes the old claim look alive, so the worker itself
    gives the claim back when it starts, and the file is rendered at once instead of
    after the hard time limit. Claims made after it started are its own."""
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    released = [
        f.answer_all_indicators(f.EvaluationFactory(period=period), final_level=2) for _ in range(3)
    ]
    started = timezone.now()
    before, after = started - dt.timedelta(seconds=20), started + dt.timedelta(seconds=1)
    left, own, other = (
        f.ReportFactory(
            kind=Report.Kind.INSTITUTION,
            evaluation=ev,
            language="id",
            status=Report.Status.RENDERING,
            claimed_at=at,
            claimed_by=host,
            attempts=1,
        )
        for ev, at, host in zip(
            released,
            (before, after, before),
            ("interactive@vm", "interactive@vm", "bulk@vm"),
            strict=True,
        )
    )
    WorkerHeartbeat.objects.create(
        name=heartbeat_name("interactive@vm"), hostname="interactive@vm", seen_at=timezone.now()
    )
    assert services.reclaim_stale_reports() == []  # the heartbeat hides the dead claim
    assert services.release_claims_of(hostname="interactive@vm", before=started) == [left.pk]
    for report in (left, own, other):
        report.refresh_from_db()
    assert left.status == Report.Status.READY and left.attempts == 2
    assert own.status == Report.Status.RENDERING and other.status == Report.Status.RENDERING
