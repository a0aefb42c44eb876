"""Faults with real services: a Redis broker of the test's own and a real Celery worker
(with its embedded beat, so the dispatcher and heartbeats run as in production).

- The broker stops while a supervisor submits: the page says "submitted", nothing is
  lost, and the receipt is rendered and emailed within a minute of the broker's return.
- A worker is killed (SIGKILL) in the middle of a job: the job is back in a queue and
  finished by another worker within two minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from evaluations.models import Evaluation, Report, TaskOutbox, WorkerHeartbeat
from evaluations.services import evidence as evidence_svc
from evaluations.services import selfeval as s
from spbe_portal.celery import app as celery_app
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.selfeval_helpers import make_pdf, small_framework, upload
from tests.own_redis import OwnRedis

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait(predicate, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


@pytest.fixture
def broker(settings, tmp_path):
    redis = OwnRedis()
    redis.start()
    url = redis.url
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    conf = celery_app.conf
    old = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = url, False
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)
    yield redis, url
    conf.broker_url, conf.task_always_eager = old
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)
    redis.stop()


def _start_worker(url: str, tmp_path: Path, name: str, queues: str, *, beat: bool):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": url,
        "MEDIA_ROOT": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "spbe_portal.settings",
    }
    argv = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "spbe_portal",
        "worker",
        "-n",
        f"{name}@%h",
        "--pool=solo",
        "-Q",
        queues,
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
    ]
    if beat:
        argv += ["-B", "--schedule", str(tmp_path / f"beat-{name}")]
    log = tmp_path / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, our own celery
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return process, log


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _ready_to_submit(supervisor, period):
    indicators = small_framework(period, multi=False)
    evaluation = f.EvaluationFactory(institution=supervisor.institution, period=period)
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=supervisor, uploaded_file=upload(make_pdf(2), "SOP.pdf")
    )
    for indicator in indicators:
        answer = s.save_answer(
            evaluation=evaluation,
            indicator=indicator,
            by=supervisor,
            level=2,
            note="Sudah diterapkan",
            base_version=0,
        )
        evidence_svc.link_evidence(evidence=pdf, answer=answer, by=supervisor)
    return evaluation


def test_broker_down_during_submission_then_receipt_within_a_minute(
    broker, tmp_path, client, supervisor, period
):
    redis, url = broker
    worker, log = _start_worker(url, tmp_path, "interactive", "interactive,bulk", beat=True)
    try:
        _wait(
            lambda: WorkerHeartbeat.objects.filter(name="interactive").exists(),
            60,
            "the worker's first heartbeat",
            log,
        )
        evaluation = _ready_to_submit(supervisor, period)
        TaskOutbox.objects.all().delete()  # setup emails, sent or not, are not the point

        redis.stop()
        logged_in(client, supervisor)
        # /healthz says the broker is away, but stays 200: no page needs it.
        started = time.monotonic()
        health = client.get(reverse("healthz"))
        assert time.monotonic() - started < 5  # short timeouts, no reconnect loop
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert health.json()["checks"]["broker"].startswith("error")
        assert isinstance(health.json()["worker_heartbeat_age_seconds"]["interactive"], int)
        started = time.monotonic()
        response = client.post(reverse("evaluations:submit", args=[evaluation.pk]), follow=True)
        # The supervisor is not held by the dead broker (one short try, then the outbox).
        assert time.monotonic() - started < 3
        assert response.status_code == 200
        # The confirmation page tells the truth: the receipt is still being prepared.
        assert "Self-evaluation submitted" in response.content.decode()
        assert "The receipt is being prepared" in response.content.decode()
        evaluation.refresh_from_db()
        assert evaluation.status == Evaluation.Status.SUBMITTED
        receipt = Report.objects.get(evaluation=evaluation, kind=Report.Kind.RECEIPT)
        assert receipt.status == Report.Status.QUEUED
        assert TaskOutbox.objects.filter(task="evaluations.render_report").exists()

        time.sleep(5)  # the broker stays away a while
        redis.start()
        back = time.monotonic()

        def emailed():
            receipt.refresh_from_db()
            return bool(receipt.params.get("emailed_at"))

        _wait(emailed, 90, "the receipt email", log)
        recovery = time.monotonic() - back
        sys.stderr.write(f"\nreceipt emailed {recovery:.1f} s after the broker returned\n")
        assert recovery < 60
        assert receipt.status == Report.Status.READY
        assert not TaskOutbox.objects.exists()
    finally:
        _stop(worker)


def test_worker_killed_mid_job_the_job_is_finished_by_another(
    broker, tmp_path, framework_2018, admin_user
):
    from evaluations.services import reports as services

    _redis, url = broker
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    evaluation = f.answer_all_indicators(
        f.EvaluationFactory(institution=f.InstitutionFactory(name="Kota Denpasar"), period=period),
        final_level=3,
    )
    first, first_log = _start_worker(url, tmp_path, "first", "bulk", beat=False)
    try:
        _wait(lambda: b"ready" in first_log.read_bytes(), 60, "the first worker", first_log)
        report = services.request_report(
            kind=Report.Kind.INSTITUTION, by=admin_user, evaluation=evaluation, language="id"
        )
        _wait(
            lambda: Report.objects.filter(pk=report.pk, status=Report.Status.RENDERING).exists(),
            60,
            "the first worker to claim the report",
            first_log,
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed = time.monotonic()
    finally:
        _stop(first)

    second, second_log = _start_worker(url, tmp_path, "second", "interactive,bulk", beat=True)
    try:

        def ready():
            report.refresh_from_db()
            return report.status == Report.Status.READY

        _wait(ready, 180, "the report, finished by the second worker", second_log)
        recovery = time.monotonic() - killed
        sys.stderr.write(f"\nreport finished {recovery:.1f} s after its worker was killed\n")
        assert recovery < 120
        assert report.attempts == 2
    finally:
        _stop(second)
