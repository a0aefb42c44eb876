"""End to end with a REAL Celery worker on Redis: one institution report requested in
the portal, rendered by a worker process, READY in the database.

The worker runs as a subprocess against this test database (committed data:
`transactional_db`) and a filesystem media directory both processes share.
Skipped with a reason when Redis is not reachable.
"""

import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from pypdf import PdfReader

from evaluations.models import Report
from evaluations.services import reports as services
from spbe_portal.celery import app as celery_app
from tests import factories as f

REDIS_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
WAIT_SECONDS = 60
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.worker


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except (redis.exceptions.RedisError, OSError):
        return False


@pytest.fixture
def queue():
    """A queue of this run's own: other engineers' test runs share the Redis server (and
    may run this same test at the same time), so neither side takes the other's tasks."""
    return f"test-worker-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def real_broker(settings, tmp_path, queue):
    """This process sends to Redis (not eager); files go to a directory the worker shares."""
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: no real worker can run")
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    conf = celery_app.conf
    old = (conf.broker_url, conf.task_always_eager, conf.task_default_queue)
    conf.broker_url = REDIS_URL
    conf.task_always_eager = False
    conf.task_default_queue = queue
    settings.BULK_QUEUE = queue  # documents go to the bulk queue: this run's own too
    _reset_connections()
    yield tmp_path
    conf.broker_url, conf.task_always_eager, conf.task_default_queue = old
    _reset_connections()


def _reset_connections():
    """Forget the connection pool, the producer pool (an earlier test may have published
    to the default amqp://localhost broker) and the routes built for the old default
    queue: `app.amqp` is rebuilt from the current conf on next use."""
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def worker(real_broker, transactional_db, queue):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": REDIS_URL,
        "MEDIA_ROOT": str(real_broker),
        "DJANGO_SETTINGS_MODULE": "spbe_portal.settings",
    }
    log = real_broker / "worker.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv, our own celery
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "spbe_portal",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def test_real_worker_renders_an_institution_report(framework_2018, worker, real_broker):
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    institution = f.InstitutionFactory(name="Kota Denpasar")
    evaluation = f.answer_all_indicators(
        f.EvaluationFactory(institution=institution, period=period), final_level=3
    )
    admin = f.UserFactory(role="admin")

    report = services.request_report(
        kind=Report.Kind.INSTITUTION, by=admin, evaluation=evaluation, language="id"
    )  # autocommit: the task is sent to Redis at once

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in (Report.Status.READY, Report.Status.FAILED):
            break
        assert worker.poll() is None, (real_broker / "worker.log").read_text()[-3000:]
        time.sleep(0.5)
    assert report.status == Report.Status.READY, (
        report.status,
        report.error,
        (real_broker / "worker.log").read_text()[-3000:],
    )
    assert report.filename == "Laporan-Evaluasi-SPBE-2019-Kota-Denpasar.pdf"
    with report.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Kota Denpasar" in text and "3,00" in text and "Baik" in text
    assert f"Halaman 1 dari {len(reader.pages)}" in text
